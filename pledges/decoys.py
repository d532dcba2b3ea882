"""The answer to a name that already signed a pledge whose names are private.

While names are private, "That name has already signed" would tell anyone with the link
that a child signed: type "Sam K." and see. So the sign page answers such a name exactly
as it answers a new signature (a 303 to the thanks page and a return cookie) and changes
nothing. The cookie holds a *decoy* secret instead of a signature's: as long as a real
one and, without SECRET_KEY, as random-looking; the server recognises it by its MAC and
reads back what the thanks page needs (the commitments ticked, a return code) and which
name it answered, so sending the same name again from that device gets the same "you've
already signed" a real signer's device gets.

What a decoy cannot do is work later: its return code opens nothing on another device
and it cannot reflect. Both are refused the way a mistyped return code or a lost cookie
is (the typed code counts against the wrong-code limit), so a prober learns something
only by spending those tries. The sign form tells pupils of private pledges to add more
of their last name when a classmate shares theirs, since a second "Sam K." gets this
answer too.

Layout of the 24 bytes (a real secret is 24 random bytes, both URL-safe base64):
6 nonce, 4 commitments (a bit per commitment's order, encrypted), 8 tag, 6 name tag.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings

from pledges import codes

_NONCE, _MASK, _TAG, _NAME_TAG = 6, 4, 8, 6
_LENGTH = _NONCE + _MASK + _TAG + _NAME_TAG


def _mac(purpose, pledge, *parts):
    message = b"\x00".join([purpose.encode(), str(pledge.pk).encode(), *parts])
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def _xor(data, stream):
    return bytes(a ^ b for a, b in zip(data, stream, strict=False))


@dataclass(frozen=True)
class Decoy:
    return_code: str
    commitment_orders: frozenset
    name_tag: bytes
    nonce: bytes

    def return_code_display(self):
        return codes.display(self.return_code)

    def answers(self, pledge, name_key):
        """Whether this decoy was the answer to `name_key` on `pledge`."""
        expected = _mac("decoy-name", pledge, self.nonce, name_key.encode())[:_NAME_TAG]
        return hmac.compare_digest(expected, self.name_tag)


def make(pledge, name_key, commitment_orders):
    """A decoy return secret for `name_key` having "signed" `pledge` with these ticks."""
    nonce = secrets.token_bytes(_NONCE)
    mask = sum(1 << (order - 1) for order in commitment_orders if 1 <= order <= 8 * _MASK)
    body = _xor(mask.to_bytes(_MASK, "big"), _mac("decoy-mask", pledge, nonce))
    tag = _mac("decoy", pledge, nonce, body)[:_TAG]
    name_tag = _mac("decoy-name", pledge, nonce, name_key.encode())[:_NAME_TAG]
    return base64.urlsafe_b64encode(nonce + body + tag + name_tag).decode().rstrip("=")


def read(pledge, secret):
    """The decoy `secret` stands for on `pledge`, or None if it isn't one of ours."""
    try:
        raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _LENGTH:
        return None
    nonce, body = raw[:_NONCE], raw[_NONCE : _NONCE + _MASK]
    tag, name_tag = raw[_NONCE + _MASK : -_NAME_TAG], raw[-_NAME_TAG:]
    if not hmac.compare_digest(_mac("decoy", pledge, nonce, body)[:_TAG], tag):
        return None
    mask = int.from_bytes(_xor(body, _mac("decoy-mask", pledge, nonce)), "big")
    orders = frozenset(bit + 1 for bit in range(8 * _MASK) if mask >> bit & 1)
    number = int.from_bytes(_mac("decoy-code", pledge, nonce)[:16], "big")  # 2**128 ≫ 31**8
    letters = []
    for _ in range(codes.RETURN_CODE_LENGTH):
        number, index = divmod(number, len(codes.ALPHABET))
        letters.append(codes.ALPHABET[index])
    code = "".join(letters)
    return Decoy(return_code=code, commitment_orders=orders, name_tag=name_tag, nonce=nonce)
