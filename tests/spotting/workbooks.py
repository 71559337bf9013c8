"""Spreadsheet fixtures in the datasets' annotation formats, written by the tests."""

from __future__ import annotations


def write_book(path, sheets):
    """An .xlsx at ``path`` with one sheet per list of rows (Sheet1, Sheet2, ...); returns the path."""
    import openpyxl  # the test modules skip first when it is missing

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for i, rows in enumerate(sheets):
        ws = wb.create_sheet(f"Sheet{i + 1}")
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path
