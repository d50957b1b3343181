"""The abonent reader on its own: encodings, delimiters, row problems, batches, JSON items."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from voicebox.campaigns.abonents import AbonentReader, _to_json


def read_csv(data: bytes, **options) -> tuple[AbonentReader, list]:
    reader = AbonentReader(**options)
    rows = [row for batch in reader.csv_batches(io.BytesIO(data)) for row in batch]
    return reader, rows


def test_cp1251_detected_and_semicolons():
    reader, rows = read_csv("phone;имя\n+79161234567;Пётр\n".encode("cp1251"))
    assert reader.ok
    assert rows == [(2, "+79161234567", json.dumps({"имя": "Пётр"}, ensure_ascii=False), None)]


def test_utf8_with_a_multibyte_char_cut_by_the_probe():
    filler = "phone,note\n" + "".join(f"+7916{i:07d},{'ж' * 30}\n" for i in range(2000))
    reader, rows = read_csv(filler.encode("utf-8"))
    assert reader.ok and len(rows) == 2000
    assert json.loads(rows[-1][2]) == {"note": "ж" * 30}


def test_quoted_fields_blank_lines_and_batches():
    data = b'phone,addr\n"+7 916 123-45-67","Moscow, Tverskaya 1"\n\n+79161234568,"a ""b"""\n'
    reader, rows = read_csv(data, batch_size=1)
    assert reader.ok and reader.rows == 2
    assert [json.loads(r[2])["addr"] for r in rows] == ["Moscow, Tverskaya 1", 'a "b"']
    assert [r[0] for r in rows] == [2, 4]  # file line numbers


def test_every_bad_row_is_named_and_nothing_is_yielded_after_the_first():
    data = b"phone,x\n+79161234567,1\nbad,2\n+79161234568,3,extra\n+79161234569," + b"y" * 1001
    reader, rows = read_csv(data, batch_size=1)
    assert rows == [(2, "+79161234567", '{"x": "1"}', None)]
    assert [p.name for p in reader.problems] == ["rows[3].phone", "rows[4]", "rows[5].x"]
    assert reader.bad_rows == 3


def test_undecodable_file():
    reader, _ = read_csv(b"phone\n" + b"+79161234567\n" * 10000 + b"\xff\xfe\xfa\n")
    assert not reader.ok


def test_json_items():
    reader = AbonentReader(required=["fio"], batch_size=1)
    items = [
        {"phone": "+79161234567", "fio": "A", "n": 5, "ok": True, "none": None},
        {"phone": 79161234568, "variables": {"fio": "B"}},
        "+79161234569",
        {"phone": "+79161234560", "fio": {"nested": 1}},
        {"phone": True, "fio": "x"},
        7,
    ]
    rows = [row for batch in reader.json_batches(items) for row in batch]
    assert rows[:1] == [
        (0, "+79161234567", json.dumps({"fio": "A", "n": "5", "ok": "true", "none": ""}), None)
    ]
    assert [p.name for p in reader.problems] == [
        "abonents[2]",
        "abonents[3].fio",
        "abonents[4].phone",
        "abonents[5]",
    ]


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=5))
def test_variables_json_is_what_json_dumps_writes(variables):
    assert _to_json(variables) == json.dumps(variables, ensure_ascii=False)
