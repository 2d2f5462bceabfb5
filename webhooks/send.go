package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/wagate/wagate/store"
)

// sender makes one attempt at a delivery: the POST with wagate's headers and the
// signature, and what its answer means.
type sender struct {
	client  *http.Client  // does not follow redirects; dials through the guard
	version string        // for the User-Agent
	timeout time.Duration // one attempt, connect to answer
}

// post POSTs row's body once and reports the HTTP status (0 without an answer)
// and, unless it was 2xx, why it failed. ctx ending cuts the attempt.
func (s sender) post(ctx context.Context, row store.Delivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, row.URL, bytes.NewReader(row.Body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	// Custom headers first, so they cannot forge the signature headers.
	for _, h := range row.Headers {
		req.Header.Set(h.Name, h.Value)
	}
	now := time.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wagate/"+s.version)
	req.Header.Set("X-Webhook-Request-Id", strings.ToLower(ulid.Make().String()))
	req.Header.Set("X-Webhook-Timestamp", strconv.FormatInt(now.UnixMilli(), 10))
	if row.HMACKey != "" {
		req.Header.Set("X-Webhook-Hmac", Sign(row.HMACKey, row.Body))
		req.Header.Set("X-Webhook-Hmac-Algorithm", "sha512")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its text repeats the URL, which may carry credentials
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("no answer within %s", s.timeout)
		}
		return 0, err
	}
	defer resp.Body.Close()
	// Read some of the answer so the connection can be reused, and keep the start
	// of an error answer for the delivery's last error.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (redirects are not followed)"
	}
	if t := strings.TrimSpace(string(head[:min(len(head), 200)])); t != "" {
		msg += ": " + strings.ToValidUTF8(t, "?")
	}
	return resp.StatusCode, errors.New(msg)
}
