-- Article text is written once per extraction and read by every summarise job and review
-- page; at 4–5 KB it is always TOASTed, and pglz, the default, is the slower codec both
-- ways. lz4 changes only values written from now on, and needs a server built with it
-- (Debian's and the official images are): elsewhere this does nothing.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE articles
            ALTER COLUMN text SET COMPRESSION lz4,
            ALTER COLUMN source_text SET COMPRESSION lz4,
            ALTER COLUMN source_html SET COMPRESSION lz4;
    END IF;
END
$$;
