package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"newsdesk/auth"
)

func token(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: newsdesk token create --role editor|reviewer|admin --name NAME")
		return errUsage
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	roleName := fs.String("role", "editor", "editor, reviewer or admin")
	name := fs.String("name", "", "who or what the token is for")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	role, err := auth.ParseRole(*roleName)
	if err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--name is required")
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		// With the private cluster of `newsdesk run`, ask the running API instead.
		c, err := newAPIClient(getenv, "", "")
		if err != nil {
			return fmt.Errorf("token create needs DATABASE_URL, or a running `newsdesk run` and its admin token: %w", err)
		}
		var res struct {
			Token string `json:"token"`
		}
		if _, err := c.do(ctx, "POST", "/api/v1/tokens", map[string]string{"name": *name, "role": string(role)}, &res); err != nil {
			return err
		}
		fmt.Fprintln(stdout, res.Token)
		return nil
	}
	d, err := connect(ctx, cfg, newLogger(cfg, stderr), false, false)
	if err != nil {
		return err
	}
	defer d.close()
	secret, _, err := d.db.CreateToken(ctx, *name, role)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}
