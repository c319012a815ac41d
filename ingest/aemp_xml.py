"""Parse an ISO 15143-3 fleet snapshot page in XML into the neutral dicts of ingest.telematics.

Each element becomes its text when it has neither attributes nor children, else a dict of its
attributes and children by local name (namespace removed). So a `datetime` attribute and a
`datetime` child element end up under the same key.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from ingest.records import ExtractError
from ingest.telematics import KNOWN_NAMESPACES, RawFleet


def parse_fleet_xml(data: bytes, source_file: str) -> RawFleet:
    """Parse the bytes of one XML snapshot page; raise ExtractError when it is not one."""
    # A snapshot never needs a DTD, and refusing one rules out entity expansion attacks.
    if b"<!DOCTYPE" in data.upper():
        raise ExtractError(source_file, "the XML has a DOCTYPE declaration, which a fleet snapshot never needs")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise ExtractError(source_file, f"the XML is not well-formed: {error}") from None

    namespace, name = _split_tag(root.tag)
    if name != "Fleet":
        raise ExtractError(source_file, f"the root element is {name!r}, expected 'Fleet'")
    if namespace not in KNOWN_NAMESPACES:
        raise ExtractError(
            source_file,
            f"unknown namespace {namespace!r}; expected one of {list(KNOWN_NAMESPACES)}",
        )

    links = []
    equipment = []
    for child in root:
        child_name = _split_tag(child.tag)[1]
        if child_name == "Links":
            link = element_to_value(child)
            if isinstance(link, dict) and link.get("rel") and link.get("href"):
                links.append((str(link["rel"]).strip(), str(link["href"]).strip()))
        elif child_name == "Equipment":
            value = element_to_value(child)
            equipment.append(value if isinstance(value, dict) else {})

    return RawFleet(
        namespace=namespace,
        version=root.get("version"),
        snapshot_time=root.get("snapshotTime"),
        links=tuple(links),
        equipment=tuple(equipment),
    )


def element_to_value(element: ElementTree.Element) -> object:
    """Text of a leaf element, or a dict of attributes and children by local name."""
    children = list(element)
    if not children and not element.attrib:
        return element.text if element.text is not None else ""
    value: dict[str, object] = {_split_tag(key)[1]: text for key, text in element.attrib.items()}
    for child in children:
        # A repeated child keeps its first occurrence; the snapshot elements read here do not repeat.
        value.setdefault(_split_tag(child.tag)[1], element_to_value(child))
    return value


def _split_tag(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, name = tag[1:].split("}", 1)
        return namespace, name
    return None, tag
