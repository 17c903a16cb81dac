"""Reads the YAML `pier --output yaml` and Kubernetes Secrets are written in, for the tests
(which use python3, pytest and requests only): block mappings and sequences, plain, single-
and double-quoted scalars, literal blocks (|), empty flow collections ([] and {}) and comments.
Anything else raises ValueError, so an unexpected output fails the test rather than being
misread."""

from __future__ import annotations

import re

_INT = re.compile(r"[-+]?[0-9]+$")
_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
            "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0"}


def loads(text: str):
    parser = _Parser(text)
    value = parser.node(0)
    if parser.peek() is not None:
        raise ValueError(f"unexpected line {parser.peek()!r}")
    return value


def _double_quoted(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = text[i + 1]
        width = {"x": 2, "u": 4, "U": 8}.get(e)
        if width:
            out.append(chr(int(text[i + 2:i + 2 + width], 16)))
            i += 2 + width
        else:
            out.append(_ESCAPES[e])
            i += 2
    return "".join(out)


def _quoted_end(text: str) -> int:
    """The index of the quote closing the quoted scalar `text` starts with."""
    quote, i = text[0], 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            if quote == "'" and text[i + 1:i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    raise ValueError(f"unclosed quote in {text!r}")


def scalar(text: str):
    text = text.strip()
    if text.startswith('"') or text.startswith("'"):
        end = _quoted_end(text)
        if text[end + 1:].strip():
            raise ValueError(f"text after a quoted scalar: {text!r}")
        body = text[1:end]
        return _double_quoted(body) if text[0] == '"' else body.replace("''", "'")
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text == "[]":
        return []
    if text == "{}":
        return {}
    if text[0] in "[{&*!|>%@`":
        raise ValueError(f"unsupported scalar {text!r}")
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if " #" in text:
        text = text[:text.index(" #")].rstrip()
    return text


class _Parser:
    def __init__(self, text: str):
        self.lines = text.split("\n")
        self.at = 0

    def peek(self):
        """(indent, content) of the next line holding something, skipping blanks and comments."""
        while self.at < len(self.lines):
            line = self.lines[self.at]
            content = line.strip()
            if content and not content.startswith("#") and content != "---":
                return len(line) - len(line.lstrip(" ")), content
            self.at += 1
        return None

    def node(self, indent: int):
        line = self.peek()
        if line is None or line[0] < indent:
            return None
        if line[1] == "-" or line[1].startswith("- "):
            return self.sequence(line[0])
        if self._key_of(line[1]) is not None:
            return self.mapping(line[0])
        self.at += 1
        return scalar(line[1])

    def sequence(self, indent: int):
        items = []
        while (line := self.peek()) and line[0] == indent and (line[1] == "-" or line[1].startswith("- ")):
            rest = line[1][1:].lstrip(" ")
            if not rest:
                self.at += 1
                items.append(self.node(indent + 1))
                continue
            # "- key: value" starts a mapping indented as far as its first key.
            inner = indent + len(line[1]) - len(rest)
            self.lines[self.at] = " " * inner + rest
            items.append(self.node(inner))
        return items

    def mapping(self, indent: int):
        result = {}
        while (line := self.peek()) and line[0] == indent and not line[1].startswith("- "):
            key, rest = self._key_of(line[1])
            if key in result:
                raise ValueError(f"duplicate key {key!r}")
            self.at += 1
            if rest in ("|", "|-", "|+"):
                result[key] = self.literal(indent, rest)
            elif rest:
                result[key] = scalar(rest)
            else:
                following = self.peek()
                if following and following[0] == indent and following[1].startswith("- "):
                    result[key] = self.sequence(indent)
                else:
                    result[key] = self.node(indent + 1)
        return result

    def literal(self, indent: int, header: str) -> str:
        block = []
        block_indent = None
        while self.at < len(self.lines):
            line = self.lines[self.at]
            if line.strip():
                line_indent = len(line) - len(line.lstrip(" "))
                if line_indent <= indent:
                    break
                block_indent = line_indent if block_indent is None else block_indent
                if line_indent < block_indent:
                    break
            block.append(line[block_indent:] if block_indent is not None else "")
            self.at += 1
        text = "\n".join(block).rstrip("\n")
        return text if header == "|-" else text + "\n"

    @staticmethod
    def _key_of(content: str):
        """(key, rest) when `content` is "key: rest" or "key:", else None."""
        if content[0] in "\"'":
            end = _quoted_end(content)
            after = content[end + 1:]
            if after == ":" or after.startswith(": "):
                return scalar(content[:end + 1]), after[1:].strip()
            return None
        match = re.match(r"([^\s:#][^:]*?|[^\s:#]):( |$)", content)
        if not match:
            return None
        return match.group(1), content[match.end():].strip()
