// Command wagate is the WhatsApp HTTP API gateway.
//
//	wagate [serve] [--config FILE]   run the gateway (the default)
//	wagate sandbox [--config FILE]   the gateway on an embedded simulated WhatsApp network
//	wagate simnet [--listen ADDR]    a simulated WhatsApp network for gateways in other processes
//	wagate capabilities              print the capability matrix as a Markdown table
//	wagate bench store [--dsn DSN]   measure the message store on a generated account
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/wagate/wagate/configs"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wagate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("wagate "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", os.Getenv("WAGATE_CONFIG"), "YAML config file (env WAGATE_CONFIG); the environment overrides it")
	listen := fs.String("listen", "127.0.0.1:4040", "simnet: address to listen on")
	dataDir := fs.String("data", "./data/simnet", "simnet: directory for its root key and phones")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch cmd {
	case "serve", "sandbox", "simnet":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		switch cmd {
		case "simnet":
			return runSimnet(ctx, *listen, *dataDir, stdout, stderr)
		case "sandbox":
			cfg, err := configs.Load(*configPath, os.LookupEnv)
			if err != nil {
				return err
			}
			return runSandbox(ctx, cfg, stdout, stderr)
		}
		return serve(ctx, *configPath, stdout, stderr)
	case "capabilities":
		return printCapabilities(*configPath, stdout)
	case "bench":
		return runBench(ctx, fs.Args(), stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q (want serve, sandbox, simnet, capabilities or bench)", cmd)
	}
}

// version is the module version this binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newLogger(level, format string, w io.Writer) *slog.Logger {
	lv := map[string]slog.Level{"trace": slog.LevelDebug - 4, "debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[level]
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
