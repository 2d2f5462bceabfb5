package webhooks

import (
	"context"
	"time"

	"github.com/wagate/wagate/store"
)

// deliver makes attempts at row until it is delivered or fails for good, waiting
// between them as its retry policy says. It reports false if the dispatcher stopped
// first; the row then stays pending in the store.
func (d *dispatcher) deliver(l *lane, row store.Delivery) bool {
	for {
		if !d.sends(row.Session) {
			return false // another process sends now
		}
		if wait := time.Until(row.NextAttemptAt); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case r := <-l.reset:
				t.Stop()
				row.Attempts, row.NextAttemptAt = r.Attempts, r.NextAttemptAt
				continue
			case <-d.ctx.Done():
				t.Stop()
				return false
			}
		}
		select {
		case d.sem <- struct{}{}:
		case <-d.ctx.Done():
			return false
		}
		start := time.Now()
		code, err := d.send.post(d.hard, row)
		<-d.sem
		d.m.attempt.Observe(time.Since(start).Seconds())
		if err != nil && d.hard.Err() != nil {
			return false // cut by shutdown: not the receiver's fault, try again next start
		}
		row.Attempts++
		now := time.Now()
		if err == nil {
			d.ack.add(row.ID)
			d.m.sent.Inc()
			return true
		}
		msg := err.Error()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		select {
		case r := <-l.reset:
			// Requeued while in flight: the budget starts over, due now.
			row.Attempts, row.NextAttemptAt = r.Attempts, r.NextAttemptAt
			if err := d.st.AttemptFailed(ctx, row.ID, row.Attempts, row.NextAttemptAt, msg, code, now); err != nil {
				d.log.Error("record failed webhook attempt", "id", row.ID, "err", err)
			}
			cancel()
			continue
		default:
		}
		if row.Attempts >= max(row.Retries.Attempts, 1) {
			d.m.failed.Inc()
			if err := d.st.AttemptFailed(ctx, row.ID, row.Attempts, time.Time{}, msg, code, now); err != nil {
				d.log.Error("record failed webhook delivery", "id", row.ID, "err", err)
			}
			cancel()
			d.log.Warn("webhook delivery failed for good", "id", row.ID, "event_id", row.EventID, "session", row.Session,
				"event", row.Event, "webhook", redact(row.URL), "attempts", row.Attempts, "err", msg)
			return true
		}
		row.NextAttemptAt = now.Add(backoff(row.Retries, row.Attempts, d.o.RetryUnit, d.o.MaxDelay, jitter))
		d.m.retried.Inc()
		if err := d.st.AttemptFailed(ctx, row.ID, row.Attempts, row.NextAttemptAt, msg, code, now); err != nil {
			d.log.Error("record failed webhook attempt", "id", row.ID, "err", err)
		}
		cancel()
		d.log.Debug("webhook attempt failed, will retry", "id", row.ID, "session", row.Session, "webhook", redact(row.URL),
			"attempt", row.Attempts, "next", row.NextAttemptAt, "err", msg)
	}
}
