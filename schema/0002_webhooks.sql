-- Webhook targets managed by admins (GET/POST/DELETE /api/v1/webhooks). The secret signs each
-- body with HMAC-SHA256, so it is stored as given: signing needs it, a hash would not do.
CREATE TABLE webhooks (
    id          bigserial PRIMARY KEY,
    url         text NOT NULL,
    secret      text NOT NULL,
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The outbox of portal events. A trigger on history writes it in the same transaction as the
-- approval or withdrawal, so an event exists exactly when the change committed, whichever code
-- path made it, and no API handler has to remember to enqueue anything.
CREATE TABLE webhook_events (
    id            bigserial PRIMARY KEY,
    article_id    uuid NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    event         text NOT NULL CHECK (event IN ('article.approved', 'article.withdrawn')),
    version       int,                       -- the approved version, for article.approved
    at            timestamptz NOT NULL DEFAULT now(),
    dispatched_at timestamptz                -- when its deliveries were created
);
CREATE INDEX webhook_events_pending_idx ON webhook_events (id) WHERE dispatched_at IS NULL;

-- One row per (event, target): the body as first sent (so retries sign and send the same
-- bytes) and the result of the latest attempt. JetStream messages carry only the id.
CREATE TABLE webhook_deliveries (
    id           bigserial PRIMARY KEY,
    event_id     bigint NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    source       text NOT NULL CHECK (source IN ('admin', 'env')),
    webhook_id   bigint REFERENCES webhooks (id) ON DELETE SET NULL,
    url          text NOT NULL,
    event        text NOT NULL,
    article_id   uuid NOT NULL,
    body         text NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     int NOT NULL DEFAULT 0,
    last_status  int,                        -- HTTP status of the latest attempt, if any
    last_error   text NOT NULL DEFAULT '',
    next_attempt_at timestamptz,
    enqueued_at  timestamptz,                -- when JetStream confirmed the message
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    UNIQUE (event_id, url)
);
CREATE INDEX webhook_deliveries_unqueued_idx ON webhook_deliveries (id) WHERE status = 'pending' AND enqueued_at IS NULL;

CREATE FUNCTION newsdesk_webhook_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.action = 'approve' THEN
        INSERT INTO webhook_events (article_id, event, version, at)
        SELECT NEW.article_id, 'article.approved', approved_version, NEW.at FROM articles WHERE id = NEW.article_id;
    ELSE
        INSERT INTO webhook_events (article_id, event, at) VALUES (NEW.article_id, 'article.withdrawn', NEW.at);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER history_webhook_event AFTER INSERT ON history
    FOR EACH ROW WHEN (NEW.action IN ('approve', 'withdraw'))
    EXECUTE FUNCTION newsdesk_webhook_event();
