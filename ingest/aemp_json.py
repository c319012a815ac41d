"""Parse an ISO 15143-3 fleet snapshot page in JSON into the neutral dicts of ingest.telematics.

Accepted shapes: a Fleet object (`{"Links": [...], "Equipment": [...]}`), the same wrapped
as `{"Fleet": {...}}`, a top-level array of Fleet objects (as Bosch Rexroth BODAS serves a
page), a top-level array of Equipment objects, and `[]` for a page past the last. Keys match
without regard to case. Numbers are read as Decimal, never as float.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal

from ingest.records import ExtractError
from ingest.telematics import RawFleet, get_field


def parse_fleet_json(text: str, source_file: str) -> RawFleet:
    """Parse the text of one JSON snapshot page; raise ExtractError when it is not one."""
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise ExtractError(source_file, f"the JSON is not valid: {error}") from None

    if isinstance(document, Mapping) and isinstance(get_field(document, "Fleet"), Mapping):
        document = get_field(document, "Fleet")

    if isinstance(document, list):
        if all(isinstance(item, Mapping) and get_field(item, "EquipmentHeader") is not None for item in document) and document:
            return RawFleet(None, None, None, (), tuple(document))
        fleets = []
        for position, item in enumerate(document, start=1):
            if not isinstance(item, Mapping):
                raise ExtractError(source_file, f"array item {position} is not a Fleet object")
            fleets.append(_fleet(item, source_file))
        return _join(fleets)

    if isinstance(document, Mapping):
        return _fleet(document, source_file)
    raise ExtractError(source_file, "the JSON is neither a Fleet object nor an array")


def _fleet(document: Mapping, source_file: str) -> RawFleet:
    if get_field(document, "Equipment") is None and get_field(document, "Links") is None:
        raise ExtractError(source_file, "the JSON object has neither 'Equipment' nor 'Links'; it is not a Fleet")
    equipment = get_field(document, "Equipment") or []
    if isinstance(equipment, Mapping):
        equipment = [equipment]  # XML-to-JSON converters write a single block as an object
    if not isinstance(equipment, list):
        raise ExtractError(source_file, "'Equipment' is neither an array nor an object")

    links = get_field(document, "Links") or []
    if isinstance(links, Mapping):
        links = [links]
    pairs = []
    for link in links:
        if isinstance(link, Mapping) and get_field(link, "rel") and get_field(link, "href"):
            pairs.append((str(get_field(link, "rel")).strip(), str(get_field(link, "href")).strip()))

    return RawFleet(
        namespace=_first_text(document, "xmlns", "@xmlns", "namespace"),
        version=_first_text(document, "version", "@version"),
        snapshot_time=get_field(document, "snapshotTime") or get_field(document, "@snapshotTime"),
        links=tuple(pairs),
        equipment=tuple(block if isinstance(block, Mapping) else {} for block in equipment),
    )


def _join(fleets: list[RawFleet]) -> RawFleet:
    if not fleets:
        return RawFleet(None, None, None, (), ())
    return RawFleet(
        namespace=next((fleet.namespace for fleet in fleets if fleet.namespace), None),
        version=next((fleet.version for fleet in fleets if fleet.version), None),
        snapshot_time=next((fleet.snapshot_time for fleet in fleets if fleet.snapshot_time), None),
        links=tuple(link for fleet in fleets for link in fleet.links),
        equipment=tuple(block for fleet in fleets for block in fleet.equipment),
    )


def _first_text(document: Mapping, *names: str) -> str | None:
    for name in names:
        value = get_field(document, name)
        if value is not None:
            return str(value)
    return None
