-- Articles are the unit of work and the outbox: a row's status says which stage owes it work,
-- enqueued_at says whether that stage's message is known to be in JetStream.
CREATE TABLE articles (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url             text NOT NULL,
    url_key         text NOT NULL UNIQUE,
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN
                        ('queued', 'extracting', 'summarising', 'draft', 'approved', 'rejected', 'withdrawn', 'failed')),
    error           text NOT NULL DEFAULT '',
    attempt         int NOT NULL DEFAULT 1,
    enqueued_at     timestamptz,
    lease_owner     text NOT NULL DEFAULT '',
    lease_until     timestamptz,
    source_text     text NOT NULL DEFAULT '',   -- pasted by an editor: skips the fetch
    source_html     text NOT NULL DEFAULT '',
    instructions    text NOT NULL DEFAULT '',   -- a reviewer's regenerate guidance
    title           text NOT NULL DEFAULT '',
    byline          text NOT NULL DEFAULT '',
    site_name       text NOT NULL DEFAULT '',
    lang            text NOT NULL DEFAULT '',
    canonical_url   text NOT NULL DEFAULT '',
    published_at    timestamptz,
    word_count      int NOT NULL DEFAULT 0,
    text            text NOT NULL DEFAULT '',
    text_sha256     text NOT NULL DEFAULT '',
    current_version int NOT NULL DEFAULT 0,
    approved_version int,
    approved_at     timestamptz,
    approved_by     text NOT NULL DEFAULT '',
    created_by      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX articles_status_idx ON articles (status, updated_at);
CREATE INDEX articles_created_idx ON articles (created_at DESC, id DESC);
CREATE INDEX articles_approved_idx ON articles (approved_at DESC, id DESC) WHERE status = 'approved';

-- Every version of a summary ever written, by a model or a person. generation is set only on
-- machine-written drafts and makes "one LLM draft per (article, attempt)" a database rule.
CREATE TABLE drafts (
    article_id          uuid NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version             int NOT NULL,
    generation          int,
    key_points          jsonb NOT NULL,
    why_it_matters      text NOT NULL,
    what_it_means_for_you text NOT NULL,
    flags               jsonb NOT NULL DEFAULT '[]',
    notes               jsonb NOT NULL DEFAULT '[]',
    author              text NOT NULL,
    actor               text NOT NULL DEFAULT '',
    model               text NOT NULL DEFAULT '',
    prompt_version      text NOT NULL DEFAULT '',
    prompt_tokens       int NOT NULL DEFAULT 0,
    completion_tokens   int NOT NULL DEFAULT 0,
    cost_usd            double precision NOT NULL DEFAULT 0,
    -- sha256 of (text, prompt version, configured model): identical input reuses the
    -- earlier generation instead of paying for a second one.
    gen_key             text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, version)
);
CREATE UNIQUE INDEX drafts_generation_idx ON drafts (article_id, generation) WHERE generation IS NOT NULL;
CREATE INDEX drafts_reuse_idx ON drafts (gen_key) WHERE generation IS NOT NULL AND gen_key <> '';

-- The audit trail: every state change and edit, with who, when and why.
CREATE TABLE history (
    id          bigserial PRIMARY KEY,
    article_id  uuid NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    from_status text NOT NULL DEFAULT '',
    to_status   text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT ''
);
CREATE INDEX history_article_idx ON history (article_id, id);

-- API tokens are stored as SHA-256 of the secret: a leaked table grants nothing.
CREATE TABLE tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('editor', 'reviewer', 'admin')),
    hash         bytea NOT NULL UNIQUE,
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Server-side web sessions, also stored by hash.
CREATE TABLE sessions (
    hash        bytea PRIMARY KEY,
    token_id    bigint NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    csrf        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
