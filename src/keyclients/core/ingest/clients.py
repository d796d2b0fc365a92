"""Resolving client identity over the rows of one analysis (DESIGN §3 "Client identity").

A valid INN is the key; otherwise the normalized name. A row without a (valid) INN whose
normalized name appears with exactly one valid INN elsewhere belongs to that INN's client.
Works on the distinct INNs and names only, so a million rows cost a few thousand Python calls.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from .identity import clean_inn, inn_is_valid, normalize_name


def resolve_clients(frames: Sequence[pl.DataFrame]) -> tuple[list[pl.DataFrame], list[str]]:
    """Add `inn` (valid or null), `client_key` and `client` (display name) to each frame.

    Each frame brings a `client_raw` (the name as written) and `inn_raw` column. Names are
    joined to INNs across all the frames given, so payments find the clients of the sales file.
    Returns the frames and warnings (invalid INNs).

    The work happens on the distinct (name, INN) spellings — thousands, where the lines are
    millions — and one join per frame puts the result back on the lines.
    """
    pairs = client_pairs(pl.concat([f.select("client_raw", "inn_raw", "row") for f in frames]))
    keyed, warnings = key_pairs(pairs)
    lookup = keyed.select("client_raw", "inn_raw", "inn", "client_key", "client")
    return [join_clients(f, lookup) for f in frames], warnings


def client_pairs(lines: pl.DataFrame) -> pl.DataFrame:
    """The distinct (client_raw, inn_raw) of lines with `n` (lines) and `row` (the first).
    Pairs of several parts of a file merge by `merge_client_pairs`."""
    return lines.group_by("client_raw", "inn_raw").agg(
        pl.len().alias("n"), pl.col("row").min().alias("row")
    )


def merge_client_pairs(pairs: pl.DataFrame, more: pl.DataFrame) -> pl.DataFrame:
    return (
        pl.concat([pairs, more])
        .group_by("client_raw", "inn_raw")
        .agg(pl.col("n").sum(), pl.col("row").min())
    )


def join_clients(frame: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    """Put the keys of `key_pairs` (client_raw, inn_raw -> inn, client_key, client) on lines."""
    return frame.join(lookup, on=["client_raw", "inn_raw"], how="left", nulls_equal=True)


def key_pairs(pairs: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """`client_pairs` with `inn` (valid or null), `client_key` and `client`, and the warnings."""
    inn_values = pairs.get_column("inn_raw").drop_nulls().unique().to_list()
    valid = {raw: (inn if inn_is_valid(inn := clean_inn(raw)) else None) for raw in inn_values}
    inn_map = pl.DataFrame(
        {"inn_raw": list(valid), "inn": list(valid.values())},
        schema={"inn_raw": pl.String(), "inn": pl.String()},
    )
    names = pairs.get_column("client_raw").drop_nulls().unique().to_list()
    name_map = pl.DataFrame(
        {"client_raw": names, "name_key": [normalize_name(n) for n in names]},
        schema={"client_raw": pl.String(), "name_key": pl.String()},
    )
    pairs = pairs.join(inn_map, on="inn_raw", how="left").join(
        name_map, on="client_raw", how="left"
    )
    warnings = _invalid_inn_warnings(
        pairs.select("inn_raw", "inn", pl.col("n").alias("weight"), "row")
    )
    # Names that appear with exactly one valid INN lend it to their rows without one.
    name_inn = (
        pairs.filter(pl.col("inn").is_not_null())
        .group_by("name_key")
        .agg(pl.col("inn").n_unique().alias("inns"), pl.col("inn").first().alias("name_inn"))
        .filter(pl.col("inns") == 1)
        .select("name_key", "name_inn")
    )
    keyed = (
        pairs.join(name_inn, on="name_key", how="left")
        .with_columns(pl.coalesce("inn", "name_inn").alias("inn_resolved"))
        .with_columns(
            pl.when(pl.col("inn_resolved").is_not_null())
            .then(pl.lit("inn:") + pl.col("inn_resolved"))
            .otherwise(pl.lit("name:") + pl.col("name_key"))
            .alias("client_key")
        )
    )
    # Display name: the most frequent spelling (trimmed, inner spaces kept), ties alphabetical.
    spellings = (
        keyed.filter(pl.col("client_raw").is_not_null() & pl.col("client_key").is_not_null())
        .group_by("client_key", pl.col("client_raw").str.strip_chars().alias("client"))
        .agg(pl.col("n").sum())
        .sort(["client_key", "n", "client"], descending=[False, True, False])
        .group_by("client_key", maintain_order=True)
        .first()
        .select("client_key", "client")
    )
    keyed = keyed.select("client_raw", "inn_raw", "inn", "client_key", "row").join(
        spellings, on="client_key", how="left"
    )
    return keyed, warnings


def invalid_inn_warnings(frame: pl.DataFrame) -> list[str]:
    """The report's warnings for the INNs of one frame (`inn_raw`, `row`) that are not valid.

    `resolve_clients` gives them for all its frames together; when frames of several files are
    keyed jointly, each file's report takes its own from here.
    """
    values = frame.get_column("inn_raw").drop_nulls().unique().to_list()
    valid = {raw: (inn if inn_is_valid(inn := clean_inn(raw)) else None) for raw in values}
    inn_map = pl.DataFrame(
        {"inn_raw": list(valid), "inn": list(valid.values())},
        schema={"inn_raw": pl.String(), "inn": pl.String()},
    )
    return _invalid_inn_warnings(
        frame.select("inn_raw", "row", pl.lit(1).alias("weight")).join(inn_map, on="inn_raw")
    )


def _invalid_inn_warnings(rows: pl.DataFrame) -> list[str]:
    """`rows`: inn_raw, inn (null when invalid), weight (lines it stands for), row."""
    invalid = (
        rows.filter(pl.col("inn_raw").is_not_null() & pl.col("inn").is_null())
        .group_by("inn_raw")
        .agg(pl.col("weight").sum().alias("rows"), pl.col("row").min().alias("first_row"))
        .sort("first_row", "inn_raw")
    )
    return [
        f"invalid INN {inn_raw!r} on {rows} row(s), first at row {first_row}: "
        "matched by name instead"
        for inn_raw, rows, first_row in invalid.iter_rows()
    ]


KNOWN_CLIENTS_SCHEMA: dict[str, pl.DataType] = {
    "client_id": pl.Int64(),
    "key": pl.String(),  # "inn:<INN>" or "name:<normalized name>", as stored
    "name": pl.String(),
    "inn": pl.String(),  # valid INN or null/""
}


def match_known_clients(lines: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """Key new lines (`row`, `client_raw`, `inn_raw`: a payments file) as if they had been read
    together with the clients already known (KNOWN_CLIENTS_SCHEMA), and say which known client
    each line belongs to.

    Returns `lines` with `inn`, `client_key`, `client` (as `resolve_clients` adds them) and
    `client_id` (null: no known client). A payer without an INN whose name is spelled like
    exactly one known client with an INN goes to it, and so does a payer with an INN whose name
    is a known client without one (DESIGN §3). A known client is also found by the name in its
    stored key (a client renamed since keeps its old spelling). When a key belongs to several
    known clients, the one whose stored key it is wins; otherwise the line stays unmatched.
    """
    known = known.select(list(KNOWN_CLIENTS_SCHEMA)).cast(pl.Schema(KNOWN_CLIENTS_SCHEMA))
    by_name = known.select(
        "client_id",
        "key",
        pl.col("name").alias("client_raw"),
        pl.col("inn").replace("", None).alias("inn_raw"),
    )
    by_key = known.filter(pl.col("key").str.starts_with("name:")).select(
        "client_id",
        "key",
        pl.col("key").str.slice(5).alias("client_raw"),
        pl.lit(None, pl.String()).alias("inn_raw"),
    )
    known_lines = pl.concat([by_name, by_key]).with_columns(pl.lit(0, pl.Int64()).alias("row"))
    (known_keyed, keyed), _ = resolve_clients([known_lines, lines])
    owners = (
        known_keyed.select(
            "client_key", "client_id", (pl.col("key") == pl.col("client_key")).alias("own")
        )
        .unique()
        .group_by("client_key")
        .agg(
            pl.col("client_id").filter(pl.col("own")).first().alias("own_id"),
            pl.col("client_id").unique().alias("ids"),
        )
        .select(
            "client_key",
            pl.coalesce(
                "own_id", pl.when(pl.col("ids").list.len() == 1).then(pl.col("ids").list.first())
            ).alias("client_id"),
        )
    )
    return keyed.join(owners, on="client_key", how="left", maintain_order="left")
