-- The portal's read caches need to hear of changes to what the portal shows, and of nothing
-- else: every pipeline step announces itself on newsdesk_articles (for the editors' live
-- view), and under a burst of submissions a cache that re-read Postgres on each of those
-- would do so hundreds of times a second for text that is not public. A trigger, not the
-- code paths, decides what is public, so that no future path can forget to announce it: an
-- article that is or was on the portal announces its id on newsdesk_public when its approved
-- version, approval time or any public column changes. Drafts are never updated, and an
-- article is inserted unapproved, so updates of articles are the only changes to watch.
CREATE FUNCTION newsdesk_notify_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('newsdesk_public', NEW.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_public_change AFTER UPDATE ON articles
    FOR EACH ROW WHEN (
        (OLD.approved_version IS NOT NULL OR NEW.approved_version IS NOT NULL) AND
        (OLD.approved_version, OLD.approved_at, OLD.url, OLD.url_key, OLD.title, OLD.site_name,
         OLD.byline, OLD.lang, OLD.published_at)
        IS DISTINCT FROM
        (NEW.approved_version, NEW.approved_at, NEW.url, NEW.url_key, NEW.title, NEW.site_name,
         NEW.byline, NEW.lang, NEW.published_at))
    EXECUTE FUNCTION newsdesk_notify_public();
