-- How often the reconciler has republished an article's current job after its deliveries
-- stopped without finishing it: the job's last delivery died while no worker heard
-- JetStream's max-deliveries advisory, or the broker lost the message. Past a bound the
-- reconciler fails the article with a reason instead of republishing it until the 6-hour
-- stall check (workers.Reconciler.MaxRepublishes).
--
-- The count belongs to one job, named in republished_job as '<attempt>:<status>' (status
-- extracting or summarising). A count recorded for another job reads as zero: an editor's
-- retry or a reviewer's regenerate starts a new attempt, and the extract stage's hand-over
-- starts the summarise job, so no pipeline transition has to reset it.
ALTER TABLE articles
    ADD COLUMN republished_job   text NOT NULL DEFAULT '',
    ADD COLUMN republished_count int  NOT NULL DEFAULT 0;
