"""What the public register may show of a signatory, by how it chose to be listed: the
register_* columns of its row, and the same as its public facts carry it."""

from __future__ import annotations

import json
from typing import Any

from registry.accessions import names
from registry.accessions.schemas import Listing


def projection(application: dict[str, Any], listing: Listing) -> dict[str, Any]:
    """What the register may show, by listing, as the signatory's register_* columns (and
    the search key): public shows the public facts, a pseudonym only the chosen name,
    unlisted nothing."""
    if listing == Listing.unlisted:
        return {}
    shown: dict[str, Any] = {"register_name": application["public_name"],
                             "search_key": names.spelling_key(application["public_name"])}
    if listing == Listing.public:
        shown.update(
            register_legal_name=application.get("legal_name") or None,
            register_country=application["country"],
            register_city=application.get("city") or None,
            register_website=application.get("website") or None,
            register_declarations=json.dumps({
                "head_in_party_governing_body": application["head_in_party_body"],
                "other_interests": application.get("other_interests", "")}),
            search_key=" ".join(filter(None, [
                names.spelling_key(application["public_name"]),
                names.spelling_key(application.get("legal_name") or "")])),
        )
    return shown


def in_public_facts(application: dict[str, Any], listing: Listing) -> dict[str, Any]:
    """The same as a public fact carries it: what a page of the register shows (the kind
    of a public signatory, its name, legal name, place, website and declarations as they
    read), without the search key."""
    public = {key.removeprefix("register_"): value
              for key, value in projection(application, listing).items()
              if key.startswith("register_") and value is not None}
    if "declarations" in public:
        public["declarations"] = json.loads(public["declarations"])
    if listing == Listing.public:
        public["kind"] = application["kind"]
    return public
