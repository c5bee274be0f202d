"""CSV the way Handoff writes it and reads it back: a header row naming the columns, one row per
item, each cell disarmed for spreadsheets on the way out and restored on the way in, so an
export imported again gives the same values (the round trip of issue 16)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse

from readiness.imports.plan import IMPORT_MAX_ITEMS, ImportPlan, too_large

# Spreadsheets run a cell starting with = + - @ as a formula: a leading quote disarms it. A cell
# that starts with a quote gets one more, so reading strips exactly one and nothing is lost.
FORMULA_STARTS = ("=", "+", "-", "@", "'")


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def uncell(text: str) -> str:
    return text[1:] if text[:1] == "'" else text


def csv_response(filename: str, header: list[str], rows: Iterable[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return response


def read_rows(text: str, header: list[str], plan: ImportPlan) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column: value}) of each row after the header; problems go to `plan.errors`."""
    problem = too_large(text)
    if problem:
        plan.error(0, problem)
        return
    if "\x00" in text:
        plan.error(text[: text.index("\x00")].count("\n") + 1, "The file holds a NUL character: not a CSV file.")
        return
    reader, count = csv.reader(io.StringIO(text, newline=""), strict=True), 0
    try:
        first = next(reader, None)
        if first is None or [name.strip().lower() for name in first] != header:
            plan.error(1, f"The first line should name the columns: {','.join(header)} (as Handoff exports them).")
            return
        line = reader.line_num + 1
        for row in reader:
            if row and any(value.strip() for value in row):
                count += 1
                if count > IMPORT_MAX_ITEMS:
                    plan.error(line, f"More than {IMPORT_MAX_ITEMS} rows; split the file.")
                    return
                if len(row) != len(header):
                    plan.error(line, f"This row has {len(row)} cells; {len(header)} expected.")
                else:
                    yield line, {name: uncell(value) for name, value in zip(header, row, strict=True)}
            line = reader.line_num + 1
    except csv.Error as error:
        plan.error(reader.line_num, f"Not a readable CSV file: {error}.")
    if count == 0 and plan.ok:
        plan.error(0, "The file has no rows below its header.")


def field_errors(
    instance: models.Model, line: int, plan: ImportPlan, exclude: list[str], columns: dict[str, str]
) -> bool:
    """The model's own rules and bounds on one row; each error names its column."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            plan.error(line, f"{columns.get(name, name)}: {' '.join(messages)}")
        return False
    return True
