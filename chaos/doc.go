// Package chaos is newsdesk's fault suite. Its tests, behind the build tag chaos, build the
// real newsdesk binary and run it as separate processes (`newsdesk api`, `newsdesk worker`)
// against a fresh database on the real Postgres, a nats-server started per scenario, an
// OpenAI-compatible fake provider (llm/llmtest) and pages served by the test. Each scenario
// breaks something underneath the pipeline (kill -9 of a worker mid-LLM-call, a crash between
// commit and publish, a broker restart or lost broker data, a Postgres restart or crash, duplicate
// submissions and deliveries, slow and poisonous jobs, a job that kills every worker, SIGTERM
// under load, loss of the stream leader of a three-node cluster) and then checks one
// invariant:
//
//   - every article the API acknowledged exists and ends draft, or failed with a reason;
//   - at most one machine draft per (article, generation);
//   - the LLM requests the fake provider saw stay within articles × allowed retries.
//
// Run it with `make chaos` (go test -count=1 -tags chaos -timeout 10m ./chaos/...); add -v
// to see each scenario's line of invariant counts.
package chaos
