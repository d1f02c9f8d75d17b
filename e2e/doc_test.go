// Package e2e tests the whole pipeline on real parts: the test Postgres (DATABASE_URL, default
// 127.0.0.1:5432) and the test NATS JetStream (NATS_URL, default 127.0.0.1:4222), the real
// HTTP API and workers, a local web server with articles, and the LLM as an OpenAI-compatible
// fake server over HTTP. Missing services fail these tests; they never skip.
package e2e
