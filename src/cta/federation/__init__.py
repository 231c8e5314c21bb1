"""Federation: the three national nodes exchange signed records and agree.

``records`` (the signed, chained record and its canonical encoding), ``keys`` (Ed25519 key
files), ``members`` (the federation file), ``verify`` (whole-batch verification, pure),
``auth`` (node credentials on requests, pure), ``protocol`` (the exchange's JSON), ``sync``
(the puller with back-off) and ``memory`` (the in-memory twin of the record store).
See docs/federation.md.
"""

from __future__ import annotations

from cta.federation.errors import (
    FederationError,
    FederationFileError,
    KeyFileError,
    RecordFormatError,
    RequestAuthError,
)
from cta.federation.members import Federation, Member, load_federation, parse_federation
from cta.federation.records import GENESIS_HASH, Record, RecordRef, seal
from cta.federation.verify import (
    Accepted,
    ChainHead,
    IngestResult,
    Reason,
    Rejection,
    verify_batch,
    verify_record,
)

__all__ = [
    "GENESIS_HASH",
    "Accepted",
    "ChainHead",
    "Federation",
    "FederationError",
    "FederationFileError",
    "IngestResult",
    "KeyFileError",
    "Member",
    "Reason",
    "Record",
    "RecordFormatError",
    "RecordRef",
    "Rejection",
    "RequestAuthError",
    "load_federation",
    "parse_federation",
    "seal",
    "verify_batch",
    "verify_record",
]
