"""Limits an imported file must keep, checked before the file is read whole (docs/export-format.md).

``check_json_file`` reads the file in 1 MB blocks and keeps none of them: a 50 MB note or a
file nested 100,000 deep is refused with one sentence, using a few MB of memory, before
``json.load`` would hold it all (about four times the file's size) or fail with a
RecursionError. ``check_values`` applies the same limits to values already parsed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from casetui.data.domain.errors import ValidationError

MAX_FILE_BYTES = 100 * 1024 * 1024  # about 10,000 clients of the demo's size
MAX_DEPTH = 32  # an export nests 11 deep at most (a goal revision's snapshot of domains)
MAX_TEXT = 200_000  # characters: the longest text casetui keeps (a discharge summary)
# One character is at most 6 bytes in a JSON file (a \uXXXX escape), so a string longer than
# this many bytes is surely over MAX_TEXT; shorter ones are measured exactly once parsed.
_MAX_STRING_BYTES = 6 * MAX_TEXT
_BLOCK = 1024 * 1024

# A whole string (escapes inside it), a bracket, or a lone quote: a string the block cuts off.
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}"]', re.S)
_OPEN = (ord("["), ord("{"))
_QUOTE = ord('"')


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def check_json_file(path, *, max_bytes: int = MAX_FILE_BYTES, max_depth: int = MAX_DEPTH) -> None:
    """Refuse (``ValidationError`` on "path") a file too large, too deep or with a text too long."""
    path = Path(path)
    size = os.stat(path).st_size
    if size > max_bytes:
        raise ValidationError(
            "path",
            f"{path.name} is {_megabytes(size)}; an import file can be at most {_megabytes(max_bytes)}"
            " (export fewer clients per file).",
        )
    depth = 0
    carry = b""
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            block, carry = carry + block, b""
            for match in _TOKEN.finditer(block):
                token = match.group()
                if token[0] == _QUOTE:
                    if len(token) == 1:  # the string goes on in the next block
                        carry = block[match.start() :]
                        break
                    if len(token) > _MAX_STRING_BYTES:
                        raise _too_long(path)
                elif token[0] in _OPEN:
                    depth += 1
                    if depth > max_depth:
                        raise _too_deep(path, max_depth)
                else:
                    depth -= 1
            if len(carry) > _MAX_STRING_BYTES:
                raise _too_long(path)


def _too_long(path: Path) -> ValidationError:
    return ValidationError(
        "path", f"{path.name} holds a text longer than {MAX_TEXT:,} characters, more than any casetui field keeps."
    )


def _too_deep(path: Path | None, max_depth: int) -> ValidationError:
    what = path.name if path is not None else "The data"
    return ValidationError("path", f"{what} is nested more than {max_depth} levels deep; a casetui export never is.")


def check_values(data, *, max_depth: int = MAX_DEPTH, max_text: int = MAX_TEXT) -> None:
    """The same limits on parsed JSON values (walked without recursion, so any depth is safe)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > max_text:
                raise ValidationError(
                    "file",
                    f"The file holds a text of {len(value):,} characters; the longest casetui keeps is {max_text:,}.",
                )
            continue
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > max_depth:
            raise _too_deep(None, max_depth)
        stack.extend((child, depth + 1) for child in children)
