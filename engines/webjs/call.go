package webjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chromedp/chromedp"
)

// callResult is what WAGATE.call resolves to.
type callResult struct {
	OK      bool            `json:"ok"`
	Value   json.RawMessage `json:"value"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
}

// callContext derives the context of one page call: the tab's context
// (never the caller's: the first Run bound the browser to it), limited by
// CallTimeout and cancelled with the caller's ctx.
func (d *Driver) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	timeout := d.cfg.CallTimeout
	cctx, cancel := context.WithTimeout(d.tabCtx, timeout)
	stop := context.AfterFunc(ctx, cancel)
	return cctx, func() { stop(); cancel() }
}

// wrapErr explains why a page call failed: the caller gave up, the page
// did not answer in time, the browser died, or chromedp failed.
func (d *Driver) wrapErr(ctx, cctx context.Context, op string, err error) error {
	select {
	case <-d.died:
		return fmt.Errorf("webjs: %s: %w", op, d.Err())
	default:
	}
	if ctx.Err() != nil {
		return fmt.Errorf("webjs: %s: %w", op, ctx.Err())
	}
	if errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return &timeoutError{msg: fmt.Sprintf("webjs: %s: no answer from the page within %s", op, d.cfg.CallTimeout)}
	}
	return fmt.Errorf("webjs: %s: %w", op, err)
}

// call evaluates WAGATE.call(op, args) in the page and decodes the value
// into out (nil to ignore it).
func (d *Driver) call(ctx context.Context, op string, args, out any) error {
	select {
	case <-d.closed:
		return fmt.Errorf("webjs: %s: %w", op, ErrClosed)
	case <-d.died:
		return fmt.Errorf("webjs: %s: %w", op, d.Err())
	default:
	}
	if args == nil {
		args = struct{}{}
	}
	opJSON, err := json.Marshal(op)
	if err != nil {
		return fmt.Errorf("webjs: %s: encoding op: %w", op, err)
	}
	argJSON, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("webjs: %s: encoding arguments: %w", op, err)
	}
	expr := fmt.Sprintf(`window.WAGATE ? window.WAGATE.call(%s, %s) : ({ok: false, code: "not_ready", message: "the injected script is not loaded"})`, opJSON, argJSON)

	cctx, cancel := d.callContext(ctx)
	defer cancel()
	res, err := chromedp.Run(cctx, chromedp.Evaluate[callResult](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return d.wrapErr(ctx, cctx, op, err)
	}
	if !res.OK {
		return &PageError{Op: op, Code: res.Code, Message: res.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(res.Value, out); err != nil {
		return fmt.Errorf("webjs: %s: decoding result: %w", op, err)
	}
	return nil
}
