"""Text for XML 1.0 documents: characters XML 1.0 cannot carry are replaced, so our reports always parse."""

from __future__ import annotations

import re

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Everything outside the XML 1.0 `Char` production (controls, lone surrogates, U+FFFE, U+FFFF)."""

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)
