"""YAML as the curriculum files use it: read with the pitfalls refused, and written so a
person can read and diff it.

`read_yaml` reads a YAML file (its records then go to records.validate). It and
`split_front_matter` refuse, through `check_yaml_pitfalls`, YAML whose meaning hangs on a
comment or on a guess about an unquoted value; `split_sections` reads a Markdown file's
`# Heading` sections. They take `fail(field, message, line=None)` (see `failing`), which
records a problem in the file being read.
"""

import bisect
import re

import yaml

from curriculum.loader.problems import Problem

FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.DOTALL)


def failing(path, problems):
    """`fail(field, message, line=None)`, recording a Problem in the file at `path`."""

    def fail(field, message, line=None):
        problems.append(Problem(path, field, message, line))

    return fail


def read_yaml(path, root, problems):
    """(data, True) for a YAML file under `root`, with its pitfalls refused; (None, False)
    when it is not YAML (or not UTF-8) at all."""
    fail = failing(str(path.relative_to(root)), problems)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        fail("(file)", f"is not valid YAML: {error}")
        return None, False
    check_yaml_pitfalls(text, fail, first_line=1)
    return data, True


# Keys whose unquoted values are meant to be read as numbers or as true/false. Anywhere
# else a plain value that YAML reads as anything but text is refused (see below).
TYPED_KEYS = {
    "tag:yaml.org,2002:int": {
        "duration_minutes", "minutes", "minutes_max", "year", "order", "min_age", "max_age",
    },
    "tag:yaml.org,2002:bool": {"correct"},
}  # fmt: skip
READ_AS = {
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "nothing (null)",
    "tag:yaml.org,2002:timestamp": "a date",
}
BLOCK_STARTS = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.BlockEntryToken)


def check_yaml_pitfalls(text, fail, first_line, path=""):
    """Refuse YAML whose meaning hangs on a comment or on a guess about an unquoted value.

    Both are valid YAML, which is why they went unnoticed: a `#` after a space starts a
    comment, so `outcome: I can explain the #MeToo movement` loads as "I can explain the";
    and unquoted `no`, `1.10` or `2020-05-01` load as false, 1.1 or a date. Only the
    parser's own tokens and node marks show them, so this reads those. A comment on a line
    of its own changes nothing and is allowed, as is one after a key whose value is a list
    or mapping on the lines below (`activities:  # in order`)."""
    try:
        tokens = list(yaml.scan(text, Loader=yaml.SafeLoader))
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return  # not valid YAML at all: yaml.safe_load reports that
    if root is None:
        return  # an empty document: nothing to lose
    fields = []
    _check_plain_values(root, path, fields, fail, first_line)
    fields.sort()
    starts = [index for index, _name in fields]

    def refuse_comment(index, line):
        position = bisect.bisect_right(starts, index) - 1
        name = fields[position][1] if position >= 0 else (path or "(front matter)")
        lost = text[index:].split("\n", 1)[0].strip()
        fail(
            name,
            f"YAML reads {lost[:40]!r} as a comment and drops it from the value; put the "
            "whole value in double quotes, or move a comment to a line of its own",
            line=line + first_line,
        )

    # Text between two tokens is only spaces, line breaks and comments; a `#` in it
    # before the first line break is a comment on the same line as the token before.
    real = [i for i, token in enumerate(tokens) if token.start_mark.index < token.end_mark.index]
    for here, after in zip(real, [*real[1:], len(tokens)], strict=True):
        token = tokens[here]
        end = tokens[after].start_mark.index if after < len(tokens) else len(text)
        same_line = text[token.end_mark.index : end].split("\n", 1)[0]
        if "#" in same_line and not (
            isinstance(token, yaml.ValueToken)
            and any(isinstance(t, BLOCK_STARTS) for t in tokens[here + 1 : after + 1])
        ):
            refuse_comment(token.end_mark.index + same_line.index("#"), token.end_mark.line)
        if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
            header = text[token.start_mark.index :].split("\n", 1)[0]
            if "#" in header:
                refuse_comment(token.start_mark.index + header.index("#"), token.start_mark.line)


def _check_plain_values(node, path, fields, fail, first_line):
    """Refuse unquoted values YAML reads as other than text where text is meant; collect
    where each field starts, to name the field a comment is in."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{path}.{key.value}" if path else str(key.value)
            fields.append((key.start_mark.index, name))
            _check_plain_values(value, name, fields, fail, first_line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value, start=1):
            if not node.flow_style:  # a comment after `[a, b]` is about the whole list
                fields.append((item.start_mark.index, f"{path}[{index}]"))
            _check_plain_values(item, f"{path}[{index}]", fields, fail, first_line)
    elif node.style is None and node.value and node.tag in READ_AS:
        key = re.sub(r"(\[\d+\])+$", "", path).rsplit(".", 1)[-1]
        if key not in TYPED_KEYS.get(node.tag, ()):
            fail(
                path,
                f"YAML reads the unquoted {node.value!r} as {READ_AS[node.tag]}, not as "
                "text; put it in double quotes",
                line=node.start_mark.line + first_line,
            )


def split_front_matter(text, fail):
    match = FRONT_MATTER_RE.match(text.replace("\r\n", "\n"))
    if not match:
        fail("(front matter)", "the file must start with a YAML block between --- lines")
        return None, ""
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        fail("(front matter)", f"is not valid YAML: {error}")
        return None, ""
    check_yaml_pitfalls(match.group(1), fail, first_line=2)
    if not isinstance(front, dict):
        fail("(front matter)", "must be a mapping of keys to values")
        return None, ""
    return front, match.group(2)


def split_sections(body, sections, fail):
    """Split a Markdown body on level-one headings named in `sections`."""
    by_heading = {heading: name for name, heading in sections}
    found = {}
    current = None
    lines = []
    in_fence = False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and line.startswith("# "):
            if current is not None:
                found[current] = "\n".join(lines).strip()
            heading = line[2:].strip()
            current = by_heading.get(heading)
            lines = []
            if current is None:
                fail(
                    f"# {heading}",
                    "is not a known section; use one of: " + ", ".join(h for _n, h in sections),
                )
            elif current in found:
                fail(f"# {heading}", "appears twice")
            continue
        if current is None and line.strip() and not found:
            fail("(body)", "text before the first # heading would be lost")
            return {}
        lines.append(line)
    if current is not None:
        found[current] = "\n".join(lines).strip()
    return {name: found.get(name, "") for name, _heading in sections}


class _BlockDumper(yaml.SafeDumper):
    """YAML that a person can read and diff: multi-line text as literal blocks."""


def _represent_str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_str)


def dump_yaml(data):
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=88)
