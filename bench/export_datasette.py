#!/usr/bin/env python3
"""Exports the listings of a datagate SQLite database into a database that
Datasette serves: one flat `listings` table and an FTS5 table over the very
same segmented (jieba) and stemmed text datagate indexes.

Usage: export_datasette.py DATAGATE_DB OUT_DB
"""
import sqlite3
import sys

src, out = sys.argv[1], sys.argv[2]
s = sqlite3.connect(src)
o = sqlite3.connect(out)
o.executescript("""
PRAGMA journal_mode = OFF;
CREATE TABLE listings (
    rowid INTEGER PRIMARY KEY, id TEXT, name TEXT, title TEXT, title_en TEXT, summary TEXT,
    domain TEXT, bureau_id TEXT, bureau TEXT, open_condition TEXT, update_frequency TEXT,
    keywords TEXT, formats TEXT, licence TEXT, status TEXT, record_count INTEGER,
    modified_at TEXT, published_at TEXT
);
CREATE VIRTUAL TABLE listings_fts USING fts5(title, keywords, body, tokenize = 'unicode61 remove_diacritics 0');
""")
rows = s.execute("""
    SELECT l.search_rowid, l.id, l.name, l.title, l.title_en, l.summary, l.domain, l.bureau_id, o.name,
           l.open_condition, l.update_frequency, l.keywords, l.formats, l.licence, l.status, l.record_count,
           l.modified_at, l.published_at, f.title, f.keywords, f.body
    FROM listings l JOIN organisations o ON o.id = l.bureau_id
    JOIN listing_fts f ON f.rowid = l.search_rowid
    WHERE l.kind = 'dataset'
""")
n = 0
for r in rows:
    o.execute("INSERT INTO listings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", r[:18])
    o.execute("INSERT INTO listings_fts (rowid, title, keywords, body) VALUES (?,?,?,?)", (r[0],) + r[18:])
    n += 1
o.executescript("""
CREATE INDEX listings_modified ON listings (modified_at);
CREATE INDEX listings_domain ON listings (domain);
CREATE INDEX listings_status ON listings (status);
""")
o.commit()
print(n)
