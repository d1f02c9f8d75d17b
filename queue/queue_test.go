package queue

import (
	"testing"
	"time"

	"newsdesk/testenv"
)

// These tests use the real JetStream server at NATS_URL.

func TestPublishDeduplicatesPerStageArticleAndAttempt(t *testing.T) {
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	q, err := Open(t.Context(), js, Config{Stream: stream, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	// Opening again (a second process starting) must not fail or reset anything.
	if _, err := Open(t.Context(), js, Config{Stream: stream, Prefix: prefix}); err != nil {
		t.Fatalf("second Open: %v", err)
	}
	job := Job{ArticleID: "0b9e7c1e-1111-4d2a-9c3b-2f1d5e6a7b8c", Attempt: 1}
	for range 3 { // a publish retried after a timeout
		if err := q.Publish(t.Context(), Extract, job); err != nil {
			t.Fatal(err)
		}
	}
	// An editor's retry is a new attempt, and the summarise stage is another subject.
	if err := q.Publish(t.Context(), Extract, Job{ArticleID: job.ArticleID, Attempt: 2}); err != nil {
		t.Fatal(err)
	}
	if err := q.Publish(t.Context(), Summarise, job); err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; n != 3 {
		t.Fatalf("stream holds %d messages, want 3 (one per stage, article and attempt)", n)
	}
	depths, err := q.Depths(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if depths[Extract].Pending != 2 || depths[Summarise].Pending != 1 {
		t.Fatalf("depths = %+v, want extract 2, summarise 1", depths)
	}
	if depths[Extract].OldestAge <= 0 || depths[Extract].OldestAge > time.Minute {
		t.Errorf("oldest extract job age = %v", depths[Extract].OldestAge)
	}

	cons, err := q.Consumer(t.Context(), Extract)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(msg.Data())
	if err != nil || got != job {
		t.Fatalf("decoded %+v (%v), want %+v", got, err, job)
	}
}

func TestPublishManyConfirmsEveryJob(t *testing.T) {
	_, js := testenv.NATS(t)
	stream, prefix := testenv.StreamNames(t, js)
	q, err := Open(t.Context(), js, Config{Stream: stream, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	jobs := make([]Job, 2500) // more than one chunk
	for i := range jobs {
		jobs[i] = Job{ArticleID: testenv.RandomName("a-"), Attempt: 1}
	}
	ok, err := q.PublishMany(t.Context(), Extract, jobs)
	if err != nil || len(ok) != len(jobs) {
		t.Fatalf("confirmed %d of %d (%v)", len(ok), len(jobs), err)
	}
}

func TestDecodeRejectsIncompleteJobs(t *testing.T) {
	for _, body := range []string{`{}`, `{"article_id":"x"}`, `{"attempt":1}`, `not json`} {
		if _, err := Decode([]byte(body)); err == nil {
			t.Errorf("Decode(%s) accepted", body)
		}
	}
}
