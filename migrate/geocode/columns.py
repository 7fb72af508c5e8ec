"""The geocoding stage of the columnar convert engine: listings located a batch at a time.

:class:`GeocodeColumns` does for a batch of listing rows what :meth:`GeocodeStage.apply` does
for one: keep coordinates that are there, otherwise take the row's address (from its source
columns, or its ``publicData.location.address``), store it where the web template reads it,
and geocode it. The offline gazetteer is asked once per distinct address in the batch (its
answer depends on the address alone); a network provider's rows take the per-row path, which
asks in source order through the cache, as ``migrate convert --engine rows`` does.

The report counts every listing as the per-row stage counts it; :meth:`GeocodeColumns.record`
adds one row's outcome, and the engine calls it in source order for every listing, whichever
path the row took, so failures are listed in the same order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from migrate import schemas
from migrate.edn.values import Keyword, Row
from migrate.geocode.providers import OFFLINE
from migrate.geocode.report import GeocodeReport
from migrate.geocode.stage import CODE, LOCATION, PUBLIC_DATA, GeocodeOutcome, GeocodeStage

KEPT, NO_ADDRESS, FILLED, FAILED = "kept", "no-address", "filled", "failed"


@dataclass
class Outcome:
    """What geocoding did to one listing: ``status``, the address, the provider's answer."""

    status: str
    address: str | None = None
    result: Any = None
    label: str = ""  # how failures name the listing


@dataclass
class BatchGeocode:
    """The columns one batch's geocoding added; :meth:`outcomes` reads them back."""

    status: pl.Expr
    address: pl.Expr
    result: pl.Expr
    warning: pl.Expr
    results: list[Any] = field(default_factory=list)
    frame: pl.DataFrame | None = None

    def finish(self, batch: Any) -> BatchGeocode:
        """Materialise the outcome columns of the batch (record number, status, …)."""
        from migrate.extract.batches import RECORD

        self.frame = batch.frame.select(
            pl.col(RECORD), self.status.alias("status"), self.address.alias("address"),
            self.result.alias("result"),
        )  # fmt: skip
        return self

    def outcomes(self) -> dict[int, Outcome]:
        """Each row's outcome by record number (rows that are not listings: none)."""
        assert self.frame is not None
        found = {}
        for record, status, address, result in self.frame.iter_rows():
            if status is None:
                continue
            found[record] = Outcome(
                status, address, self.results[result] if result is not None else None
            )
        return found


class GeocodeColumns:
    """Geocoding for the columnar engine, over a :class:`GeocodeStage` (see the module doc)."""

    def __init__(self, stage: GeocodeStage) -> None:
        self.stage = stage
        self.config = stage.config
        self.offline = stage.provider.name == OFFLINE
        self._path = stage._address_path
        # The offline gazetteer's answers by address signature, for the whole run: its index
        # does not change, and a large run's batches share most of their ~900 signatures.
        self._answers: dict[tuple, Any] = {}

    @property
    def report(self) -> GeocodeReport:
        """The stage's report."""
        return self.stage.report

    @property
    def address_columns(self) -> tuple[str, ...]:
        """Source columns the address is built from (read with the listing's columns)."""
        return self.config.address_columns

    def release(self) -> None:
        """No listing is left to geocode: free the offline gazetteer's index (~60 MB)."""
        gazetteer = getattr(self.stage.provider, "gazetteer", None)
        if gazetteer is not None:
            gazetteer.release()
        self._answers.clear()

    # the per-row path ------------------------------------------------------------------

    def apply_row(self, row: Row, values: Any) -> tuple[GeocodeOutcome, Outcome]:
        """``stage.apply`` on one row, without counting it yet (see :meth:`record`)."""
        real = self.stage.report
        scratch = self.stage.report = GeocodeReport()
        try:
            outcome = self.stage.apply(row, self.config.address_for(values))
        finally:
            self.stage.report = real
        real.seconds += scratch.seconds
        return outcome, Outcome(outcome.status, outcome.address, outcome.result)

    def record_columns(
        self, frame: pl.DataFrame, results: list[Any], label_of: Any
    ) -> list[tuple[int, str, Outcome]]:
        """Count the outcomes of a batch's listings held as columns (``record``, ``sid``,
        ``status``, ``address``, ``result``) as :meth:`record` would one by one; the failed
        ones are returned, ``(record, label, outcome)``, to be recorded in source order."""
        report = self.stage.report
        counts = frame.filter(pl.col("status") != FAILED).group_by("status", "result").len()
        for status, result, number in counts.rows():
            report.listings += number
            if status == KEPT:
                report.kept += number
            elif status == NO_ADDRESS:
                report.no_address += number
            elif status == FILLED:
                answer = results[result]
                key = (answer.provider, answer.precision)
                report.resolved[key] += number
                if answer.from_cache:
                    report.from_cache[key] += number
        failed = frame.filter(pl.col("status") == FAILED)
        return [
            (record, label_of(sid), Outcome(FAILED, address, results[result]))
            for record, sid, address, result in failed.select(
                "record", "sid", "address", "result"
            ).rows()
        ]

    def record(self, label: str, outcome: Outcome) -> None:
        """Count one listing's outcome in the report, as ``stage.apply`` counts it."""
        report = self.stage.report
        report.listings += 1
        if outcome.status == KEPT:
            report.kept += 1
        elif outcome.status == NO_ADDRESS:
            report.no_address += 1
        elif outcome.result is not None:
            report.add(label, outcome.address or "", outcome.result)

    # the columnar path -----------------------------------------------------------------

    def columns(self, batch: Any, row: Any, plan: Any, skip: Any = None) -> BatchGeocode:
        """Geocode a batch of listings held as columns (``plan.RowColumns``), in place; the
        rows of ``skip`` (listings the mapping stage rejects) are not looked up."""
        from migrate.convert.batch import Val
        from migrate.convert.plan import JsonMap, json_lookup
        from migrate.convert.vector import float_text, py_blank

        started = time.perf_counter()
        address = self._addresses(batch, plan)
        public = row.json.get((PUBLIC_DATA,))
        written_entry = json_lookup(public, self._path)
        if isinstance(written_entry, Val) and written_entry.kind == "str":
            written = pl.when(py_blank(written_entry.expr)).then(None).otherwise(written_entry.expr)
        elif written_entry is None or isinstance(written_entry, JsonMap):
            written = pl.lit(None, dtype=pl.String)
        else:
            written = pl.lit(None, dtype=pl.String)
        written = batch.put(written, "gw")
        given = batch.put(address.is_not_null(), "gg")
        store = batch.put(given & written.is_null(), "gs")
        self._store(batch, row, store, address)
        effective = batch.put(pl.when(given).then(address).otherwise(written), "ge")
        location = row.get((LOCATION,))
        kept = location.present() if location is not None else pl.lit(False)
        kept = batch.put(kept, "gk")
        needed = ~kept & effective.is_not_null()
        needed = batch.put(needed if skip is None else needed & ~skip, "gn")
        if not self.offline:
            batch.flag(needed)  # asked in source order, through the cache, row by row
            status = pl.when(kept).then(pl.lit(KEPT)).otherwise(pl.lit(NO_ADDRESS))
            none = pl.lit(None, dtype=pl.Int64)
            self.stage.report.seconds += time.perf_counter() - started
            return BatchGeocode(status, effective, none, pl.lit(None, dtype=pl.String))
        distinct = batch.series(pl.when(needed).then(effective)).drop_nulls().unique()
        results = self._locate_all(distinct.to_list())
        found = [result.location is not None and result.error is None for result in results]
        index = pl.Series(range(len(results)), dtype=pl.Int64)
        which = batch.put(
            pl.when(needed).then(
                effective.replace_strict(distinct, index, default=None, return_dtype=pl.Int64)
            ),
            "gr",
        )
        ok = which.replace_strict(
            index, pl.Series(found, dtype=pl.Boolean), default=None, return_dtype=pl.Boolean
        )
        lats = [
            result.location.lat if ok_ else None for result, ok_ in zip(results, found, strict=True)
        ]
        lngs = [
            result.location.lng if ok_ else None for result, ok_ in zip(results, found, strict=True)
        ]
        lat = which.replace_strict(index, pl.Series(lats, dtype=pl.Float64), default=None)
        lng = which.replace_strict(index, pl.Series(lngs, dtype=pl.Float64), default=None)
        filled = batch.put(needed & ok.fill_null(False), "gf")
        failed = batch.put(needed & ~ok.fill_null(False), "gx")
        if location is None:
            located = Val("location", pl.when(filled).then(lat), lng=pl.when(filled).then(lng))
        else:
            located = Val(
                "location",
                pl.when(kept).then(location.expr).when(filled).then(lat),
                lng=pl.when(kept).then(location.lng).when(filled).then(lng),
            )
        row.values[(LOCATION,)] = batch.put_val(located, "gl")
        for number in (lat, lng):  # written as repr(float): Polars' text must be the same
            _, exact = float_text(number)
            batch.flag(filled & ~exact)
        if self.config.on_failure == "reject":
            batch.flag(failed)
            warning = pl.lit(None, dtype=pl.String)
        else:
            warning = pl.when(failed).then(pl.lit(CODE))
        status = (
            pl.when(kept)
            .then(pl.lit(KEPT))
            .when(filled)
            .then(pl.lit(FILLED))
            .when(failed)
            .then(pl.lit(FAILED))
            .otherwise(pl.lit(NO_ADDRESS))
        )
        self.stage.report.seconds += time.perf_counter() - started
        return BatchGeocode(status, effective, which, warning, results)

    def _locate_all(self, addresses: list[str]) -> list[Any]:
        """``stage.locate`` of each address; the gazetteer is asked once per signature in a
        run (addresses that differ only in a street no city is named after answer alike)."""
        gazetteer = getattr(self.stage.provider, "gazetteer", None)
        if gazetteer is None:
            return [self.stage.locate(address) for address in addresses]
        answers = self._answers
        results = []
        for address in addresses:
            signature = gazetteer.signature(address)
            result = answers.get(signature)
            if result is None:
                result = answers[signature] = self.stage.locate(address)
            results.append(result)
        return results

    def _addresses(self, batch: Any, plan: Any) -> pl.Expr:
        """``config.address_for(values)`` of every row (``None`` where nothing is left)."""
        from migrate.convert.batch import text_of
        from migrate.convert.vector import WS_RUNS, join_present, py_strip

        columns = self.address_columns
        if self.config.address is None or not columns:
            return pl.lit(None, dtype=pl.String)
        vals = [plan.source(batch, column) for column in columns]
        if isinstance(self.config.address, tuple):
            # Each column's text with its whitespace collapsed, the non-empty ones joined.
            pieces = []
            exact = True
            for val in vals:
                converted = text_of(val)
                if converted is None:
                    exact = False
                    break
                text, unsure = converted
                batch.flag(unsure)
                piece = py_strip(text.str.replace_all(WS_RUNS, " "))
                pieces.append(pl.when(piece != "").then(piece))
            if exact:
                return batch.put(join_present(pieces, ", "), "ga")
        config = self.config

        def address(*values: Any) -> str | None:
            return config.address_for(dict(zip(columns, values, strict=True)))

        found, failed = batch.per_value(vals, address, "str", pl.lit(True))
        batch.flag(failed)
        return batch.put(found.expr, "ga")

    def _store(self, batch: Any, row: Any, store: pl.Expr, address: pl.Expr) -> None:
        """Where ``_store_address`` puts the address: at the end of the deepest map of the
        path the row has, in new maps (keyword keys, like publicData's) for the rest."""
        from migrate.convert.batch import Val
        from migrate.convert.plan import JsonMap

        public = row.json.get((PUBLIC_DATA,))
        if public is None:
            public = row.json[(PUBLIC_DATA,)] = JsonMap()
        if not public.keys_all_keywords():
            batch.flag(store)  # string keys decide the new keys' style row by row
            return
        *parents, _ = self._path
        maps = [public]
        present = [pl.lit(True)]
        current = public
        for step in parents:
            child = current.get(step)
            if child is None:
                break
            if not isinstance(child, JsonMap):
                batch.flag(store & child.present())  # not a map: the per-row path decides
                break
            maps.append(child)
            present.append(batch.put(child.present(), "gp"))  # before the address is added
            current = child
        for depth, target in enumerate(maps):
            deeper = present[depth + 1] if depth + 1 < len(present) else pl.lit(False)
            where = store & present[depth] & ~deeper
            value = Val("str", batch.put(pl.when(where).then(address), "gv"))
            tail = self._path[depth:]
            target.entries.append((Keyword(tail[0]), _nest(tail[1:], value)))


def _nest(names: tuple[str, ...] | list[str], value: Any) -> Any:
    """``value`` inside maps keyed by ``names`` (itself when there are none)."""
    from migrate.convert.plan import JsonMap

    entry = value
    for name in reversed(list(names)):
        entry = JsonMap([(Keyword(name), entry)])
    return entry


def listing_label(record_type: str, sid: str, ident: str, aliases: bool) -> str:
    """How the per-row stage names a listing in failures (``Row.label``)."""
    from migrate.convert.ids import alias, import_id

    if aliases:
        return repr(alias(record_type, sid))
    return f'#uuid "{import_id(ident, record_type, sid)}"'


__all__ = ["BatchGeocode", "GeocodeColumns", "Outcome", "listing_label", "schemas"]
