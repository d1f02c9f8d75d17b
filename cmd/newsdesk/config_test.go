package main

import (
	"strings"
	"testing"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestLoadConfigDefaults(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.LLM != "extractive" || c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.AllowPrivate {
		t.Fatalf("defaults = %+v", c)
	}
	c, err = loadConfig(env(map[string]string{"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}))
	if err != nil || c.LLM != "openai" {
		t.Fatalf("a base URL selects the openai writer: %q %v", c.LLM, err)
	}
}

func TestLoadConfigNamesEveryBadSetting(t *testing.T) {
	_, err := loadConfig(env(map[string]string{
		"NEWSDESK_LLM_RPM":             "lots",
		"NEWSDESK_ACK_WAIT_EXTRACT":    "soon",
		"NEWSDESK_FETCH_ALLOW_PRIVATE": "maybe",
		"NEWSDESK_LLM":                 "openai",
		"NEWSDESK_ADMIN_TOKEN":         "short",
		"NEWSDESK_LLM_DAILY_BUDGET":    "-3",
		"NEWSDESK_LOG_LEVEL":           "loud",
	}))
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, name := range []string{"NEWSDESK_LLM_RPM", "NEWSDESK_ACK_WAIT_EXTRACT", "NEWSDESK_FETCH_ALLOW_PRIVATE",
		"OPENAI_API_KEY", "NEWSDESK_ADMIN_TOKEN", "NEWSDESK_LLM_DAILY_BUDGET", "NEWSDESK_LOG_LEVEL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"frobnicate"}, env(nil), nil, &out, &errOut); err != errUsage {
		t.Fatalf("err = %v, want errUsage", err)
	}
	if !strings.Contains(errOut.String(), "Usage:") {
		t.Fatalf("no usage printed: %q", errOut.String())
	}
}
