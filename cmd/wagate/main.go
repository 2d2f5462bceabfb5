// Command wagate is the WhatsApp HTTP API gateway. `wagate help` lists its
// commands; `wagate help COMMAND` shows a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/wagate/wagate/configs"
	"github.com/wagate/wagate/engines/noweb/simnet"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wagate:", err)
		os.Exit(1)
	}
}

// commands are wagate's commands, in the order help lists them.
var commands = []struct{ name, args, summary string }{
	{"serve", "[--config FILE]", "run the gateway (the default command)"},
	{"sandbox", "[--listen ADDR] [--simnet-listen ADDR] [--manual-pairing]", "the gateway on a simulated WhatsApp network: try the API without a phone"},
	{"simnet", "[--listen ADDR] [--data DIR] [--first-response-delay DURATION]", "a simulated WhatsApp network alone, for gateways in other processes"},
	{"bench", "store|sessions [flags]", "measure the message store on a generated account, or N NOWEB sessions on a simulated network"},
	{"capabilities", "[--config FILE]", "print what each engine supports, as a Markdown table"},
	{"healthcheck", "[--config FILE]", "exit 0 when the gateway configured here answers /health (Docker's HEALTHCHECK)"},
	{"version", "", "print the version"},
	{"help", "[COMMAND]", "list the commands, or show one command's flags"},
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "wagate %s, a WhatsApp HTTP API gateway (WAHA-compatible)\n\nUsage: wagate [COMMAND] [FLAGS]\n\nCommands:\n", version())
	for _, c := range commands {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun `wagate help COMMAND` for a command's flags. Every configuration key is also an\n"+
		"environment variable (server.port is WAGATE_SERVER_PORT); configs/wagate.yaml documents them.\n")
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && isHelp(args[0]) {
		usage(stdout)
		return nil
	}
	if cmd == "help" {
		if len(args) == 0 || args[0] == "help" {
			usage(stdout)
			return nil
		}
		cmd, args = args[0], []string{"-h"}
	}
	i := slices.IndexFunc(commands, func(c struct{ name, args, summary string }) bool { return c.name == cmd })
	if i < 0 || cmd == "help" {
		return fmt.Errorf("unknown command %q: `wagate help` lists the commands", cmd)
	}
	if cmd == "bench" {
		return runBench(ctx, args, stdout, stderr)
	}

	fs := flag.NewFlagSet("wagate "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var configPath *string
	if cmd != "simnet" && cmd != "version" {
		configPath = fs.String("config", os.Getenv("WAGATE_CONFIG"), "YAML config `FILE` (env WAGATE_CONFIG); the environment overrides it")
	}
	var sb sandboxFlags
	var listen, dataDir *string
	var timeout, firstResponseDelay *time.Duration
	switch cmd {
	case "sandbox":
		fs.StringVar(&sb.listen, "listen", "", "`ADDR` (host:port) the gateway listens on; without it server.host and server.port (0.0.0.0:3000)")
		fs.StringVar(&sb.simnetListen, "simnet-listen", "127.0.0.1:0", "`ADDR` of the simulated network and its control API; port 0 is any free port")
		fs.BoolVar(&sb.manualPairing, "manual-pairing", false, "do not pair sessions by themselves: pair them through the control API (QR, pairing code)")
	case "simnet":
		listen = fs.String("listen", "127.0.0.1:4040", "`ADDR` to listen on")
		dataDir = fs.String("data", "./data/simnet", "`DIR` for its root key and phones")
		firstResponseDelay = fs.Duration("first-response-delay", simnet.DefaultFirstResponseDelay,
			"how long after a client's handshake its first node goes, as from a server a round trip away (a Go `DURATION`; negative: none)")
	case "healthcheck":
		timeout = fs.Duration("timeout", 3*time.Second, "how long to wait for the answer, as a Go `DURATION`")
	}
	c := commands[i]
	printUsage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: wagate %s %s\n\n%s.\n", c.name, c.args, strings.ToUpper(c.summary[:1])+c.summary[1:])
		printFlags(w, fs)
	}
	if slices.ContainsFunc(args, isHelp) {
		printUsage(stdout)
		return nil
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return nil
		}
		return fmt.Errorf("%s: %w (`wagate help %s` lists its flags)", cmd, err, cmd)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q (`wagate help %s` lists its flags)", cmd, fs.Arg(0), cmd)
	}

	switch cmd {
	case "version":
		fmt.Fprintf(stdout, "wagate %s (%s, %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	case "capabilities":
		return printCapabilities(*configPath, stdout)
	case "healthcheck":
		cfg, err := configs.Load(*configPath, os.LookupEnv)
		if err != nil {
			return err
		}
		return healthcheck(ctx, cfg, *timeout, stdout)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "simnet":
		return runSimnet(ctx, *listen, *dataDir, *firstResponseDelay, stdout, stderr)
	case "sandbox":
		cfg, err := configs.Load(*configPath, os.LookupEnv)
		if err != nil {
			return err
		}
		return runSandbox(ctx, cfg, sb, stdout, stderr)
	default:
		return serve(ctx, *configPath, stdout, stderr)
	}
}

// printFlags lists a command's flags as they are written: --name VALUE.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nFlags:")
			first = false
		}
		kind, usage := flag.UnquoteUsage(f)
		if kind != "" {
			kind = " " + strings.ToUpper(kind)
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s%s\n      %s%s\n", f.Name, kind, usage, def)
	})
}

// buildVersion is stamped at build time: go build -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion string

// version is the version this binary was built as: the stamp, else the module
// version Go recorded, else "dev".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
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
