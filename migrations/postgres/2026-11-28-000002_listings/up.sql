-- The listing machinery shared by the open list (datasets) and the corpus
-- catalogue (corpora): entries, terms versions, revisions, facet values,
-- distributions, and the domain vocabulary.

CREATE TABLE domains (
    code       TEXT PRIMARY KEY,
    label_zh   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    eu_theme   TEXT,
    created_at TIMESTAMP NOT NULL
);

INSERT INTO domains (code, label_zh, label_en, eu_theme, created_at) VALUES
    ('education',         '教育',        'Education',                    'EDUC', '2026-11-28 00:00:00'),
    ('healthcare',        '医疗卫生',    'Healthcare',                   'HEAL', '2026-11-28 00:00:00'),
    ('tourism',           '文化旅游',    'Culture and tourism',          'EDUC', '2026-11-28 00:00:00'),
    ('transport',         '交通出行',    'Transport',                    'TRAN', '2026-11-28 00:00:00'),
    ('environment',       '生态环境',    'Environment',                  'ENVI', '2026-11-28 00:00:00'),
    ('economy',           '经济发展',    'Economy',                      'ECON', '2026-11-28 00:00:00'),
    ('social_security',   '社会保障',    'Social security',              'SOCI', '2026-11-28 00:00:00'),
    ('urban_planning',    '城市规划',    'Urban planning and land',      'REGI', '2026-11-28 00:00:00'),
    ('public_safety',     '公共安全',    'Public safety',                'JUST', '2026-11-28 00:00:00'),
    ('agriculture',       '农业农村',    'Agriculture and rural affairs','AGRI', '2026-11-28 00:00:00'),
    ('employment',        '就业创业',    'Employment',                   'SOCI', '2026-11-28 00:00:00'),
    ('civil_affairs',     '民政服务',    'Civil affairs',                'SOCI', '2026-11-28 00:00:00'),
    ('market_regulation', '市场监管',    'Market regulation',            'ECON', '2026-11-28 00:00:00'),
    ('culture',           '文化体育',    'Culture and sport',            'EDUC', '2026-11-28 00:00:00'),
    ('meteorology',       '气象',        'Meteorology',                  'ENVI', '2026-11-28 00:00:00'),
    ('science_technology','科技创新',    'Science and technology',       'TECH', '2026-11-28 00:00:00'),
    ('energy',            '能源',        'Energy',                       'ENER', '2026-11-28 00:00:00'),
    ('government',        '政务公开',    'Government and public sector', 'GOVE', '2026-11-28 00:00:00');

CREATE TABLE listings (
    id                    TEXT PRIMARY KEY,
    kind                  TEXT NOT NULL CHECK (kind IN ('dataset', 'corpus')),
    name                  TEXT NOT NULL UNIQUE,
    title                 TEXT NOT NULL,
    title_en              TEXT,
    summary               TEXT,
    summary_en            TEXT,
    domain                TEXT NOT NULL REFERENCES domains (code),
    bureau_id             TEXT NOT NULL REFERENCES organisations (id),
    open_condition        TEXT NOT NULL CHECK (open_condition IN ('unconditional', 'conditional', 'not_open')),
    open_condition_reason TEXT,
    legal_basis           TEXT,
    update_frequency      TEXT NOT NULL,
    temporal_start        DATE,
    temporal_end          DATE,
    spatial_coverage      TEXT,
    record_count          BIGINT,
    data_items            TEXT NOT NULL,
    keywords              TEXT NOT NULL,
    formats               TEXT NOT NULL,
    contact               TEXT,
    licence               TEXT,
    terms_version         INTEGER,
    status                TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    withdrawn_reason      TEXT,
    version               INTEGER NOT NULL,
    created_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    modified_at           TIMESTAMP NOT NULL,
    published_at          TIMESTAMP,
    withdrawn_at          TIMESTAMP,
    -- Segmented (jieba) and stemmed text, weighted A title, B keywords and
    -- data items, C summary; written by the application.
    search_vector         TSVECTOR
);
CREATE INDEX listings_search ON listings USING GIN (search_vector);
CREATE INDEX listings_kind_modified ON listings (kind, modified_at DESC, id DESC);
CREATE INDEX listings_kind_title ON listings (kind, (title COLLATE "C"), id);
CREATE INDEX listings_bureau ON listings (bureau_id);
CREATE INDEX listings_domain ON listings (domain);

CREATE TABLE listing_terms (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (listing_id, version)
);

CREATE TABLE listing_revisions (
    id            TEXT PRIMARY KEY,
    listing_id    TEXT NOT NULL REFERENCES listings (id),
    version       INTEGER NOT NULL,
    at            TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    action        TEXT NOT NULL,
    changes       TEXT NOT NULL
);
CREATE INDEX listing_revisions_listing ON listing_revisions (listing_id, id);

-- Values a listing is found and counted by besides its own columns:
-- distribution formats, keywords, and the corpus facets.
CREATE TABLE listing_facets (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    facet      TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (listing_id, facet, value)
);
CREATE INDEX listing_facets_value ON listing_facets (facet, value, listing_id);

CREATE TABLE distributions (
    id          TEXT PRIMARY KEY,
    listing_id  TEXT NOT NULL REFERENCES listings (id),
    name        TEXT NOT NULL,
    description TEXT,
    format      TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    access_url  TEXT,
    object_key  TEXT,
    byte_size   BIGINT,
    sha256      TEXT,
    file_name   TEXT,
    uploaded_at TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    removed_at  TIMESTAMP
);
CREATE INDEX distributions_listing ON distributions (listing_id, id);
