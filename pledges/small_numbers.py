"""Small numbers above a classroom: none can be read, or worked out by subtraction.

A count under SMALL_NUMBER could point at one student, so figures the school page shows
beyond one teacher's own class hide it ("fewer than 5": primary suppression). Hiding one
cell of a row is not enough when the row's total is shown: the total minus the other
cells gives it back. So more cells are hidden (secondary suppression) until the hidden
ones can't be worked out: at least two of them, adding up to SMALL_NUMBER or more, or the
total hidden too. When a total is itself hidden by the level above, its parts must not
add up to it, so at least one of them is hidden as well.
"""

from pledges.models import SMALL_NUMBER


def protect(cells, *, total_hidden=False):
    """`cells` maps keys to counts that add up to a total shown beside them (unless
    `total_hidden`). Returns ({key: count, or None where hidden}, whether the total must
    be hidden)."""
    hidden = {key for key, count in cells.items() if count < SMALL_NUMBER}

    def hidden_sum():
        return sum(cells[key] for key in hidden)

    def hide_next():
        shown = sorted((count, str(key), key) for key, count in cells.items() if key not in hidden)
        if not shown:
            return False
        hidden.add(shown[0][2])
        return True

    if total_hidden:
        if cells and not hidden:
            hide_next()
    else:
        while hidden and (len(hidden) < 2 or hidden_sum() < SMALL_NUMBER):
            if not hide_next():
                total_hidden = True
                break
        if sum(cells.values()) < SMALL_NUMBER:
            total_hidden = True
    return {key: None if key in hidden else count for key, count in cells.items()}, total_hidden
