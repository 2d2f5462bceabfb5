package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// DeliveryStatus is where a webhook delivery stands.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "pending"   // waiting for its (next) attempt
	DeliveryDelivered DeliveryStatus = "delivered" // the receiver answered 2xx
	DeliveryFailed    DeliveryStatus = "failed"    // every attempt failed; the body is kept
)

// ErrDeliveryNotFound is returned for an unknown delivery id.
var ErrDeliveryNotFound = errors.New("delivery not found")

// Delivery is one event on its way to one webhook: a row of the outbox.
type Delivery struct {
	ID      string // sorts in enqueue order; the dispatcher delivers a lane in this order
	EventID string // the envelope's id, the same for every webhook and every attempt
	Session string
	URL     string
	Event   string
	// The webhook's settings when the event happened.
	HMACKey string
	Retries engines.RetriesConfig
	Headers []engines.WebhookHeader
	Body    []byte // the exact envelope sent

	Status        DeliveryStatus
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	LastCode      int // HTTP status of the last attempt, 0 when there was no answer
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

type deliveryRow struct {
	ID            string `gorm:"primaryKey"`
	EventID       string
	Session       string
	URL           string `gorm:"column:url"`
	Event         string
	HMACKey       string `gorm:"column:hmac_key"`
	RetryPolicy   string
	RetryDelay    int
	RetryAttempts int
	Headers       string
	Body          string
	Status        string
	Attempts      int
	NextAttemptAt int64
	LastError     string
	LastCode      int
	CreatedAt     int64 `gorm:"autoCreateTime:false"`
	UpdatedAt     int64 `gorm:"autoUpdateTime:false"`
}

func (deliveryRow) TableName() string { return "wagate_webhook_deliveries" }

func toDeliveryRow(d Delivery) (deliveryRow, error) {
	headers := d.Headers
	if headers == nil {
		headers = []engines.WebhookHeader{}
	}
	h, err := json.Marshal(headers)
	if err != nil {
		return deliveryRow{}, fmt.Errorf("encode headers of delivery %s: %w", d.ID, err)
	}
	return deliveryRow{
		ID: d.ID, EventID: d.EventID, Session: d.Session, URL: d.URL, Event: d.Event,
		HMACKey: d.HMACKey, RetryPolicy: d.Retries.Policy, RetryDelay: d.Retries.DelaySeconds,
		RetryAttempts: d.Retries.Attempts, Headers: string(h), Body: string(d.Body),
		Status: string(d.Status), Attempts: d.Attempts, NextAttemptAt: d.NextAttemptAt.UnixMilli(),
		LastError: d.LastError, LastCode: d.LastCode,
		CreatedAt: d.CreatedAt.UnixMilli(), UpdatedAt: d.UpdatedAt.UnixMilli(),
	}, nil
}

func (r deliveryRow) delivery() (Delivery, error) {
	d := Delivery{
		ID: r.ID, EventID: r.EventID, Session: r.Session, URL: r.URL, Event: r.Event,
		HMACKey: r.HMACKey,
		Retries: engines.RetriesConfig{Policy: r.RetryPolicy, DelaySeconds: r.RetryDelay, Attempts: r.RetryAttempts},
		Body:    []byte(r.Body), Status: DeliveryStatus(r.Status), Attempts: r.Attempts,
		NextAttemptAt: time.UnixMilli(r.NextAttemptAt), LastError: r.LastError, LastCode: r.LastCode,
		CreatedAt: time.UnixMilli(r.CreatedAt), UpdatedAt: time.UnixMilli(r.UpdatedAt),
	}
	if r.Headers != "" {
		if err := json.Unmarshal([]byte(r.Headers), &d.Headers); err != nil {
			return d, fmt.Errorf("decode headers of delivery %s: %w", r.ID, err)
		}
	}
	return d, nil
}

func deliveries(rows []deliveryRow) ([]Delivery, error) {
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		d, err := r.delivery()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// EnqueueDeliveries writes outbox rows in one transaction.
func (s *Store) EnqueueDeliveries(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	if len(ds) > enqueueBatch && s.dialect != Postgres { // PostgreSQL writes any number in one statement
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.EnqueueDeliveriesTx(tx, ds) })
	}
	// One INSERT is atomic by itself: gorm's BEGIN and COMMIT around it would
	// triple the round trips of every event.
	return s.EnqueueDeliveriesTx(s.db.WithContext(ctx).Session(&gorm.Session{SkipDefaultTransaction: true}), ds)
}

// enqueueBatch is how many rows one INSERT writes.
const enqueueBatch = 200

// EnqueueDeliveriesTx writes outbox rows through tx, so that they commit (or not)
// with whatever else tx writes: a message and the events about it.
func (s *Store) EnqueueDeliveriesTx(tx *gorm.DB, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	rows := make([]deliveryRow, 0, len(ds))
	for _, d := range ds {
		r, err := toDeliveryRow(d)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	if s.dialect == Postgres {
		return insertDeliveriesPG(tx, rows)
	}
	if err := tx.CreateInBatches(rows, enqueueBatch).Error; err != nil {
		return fmt.Errorf("enqueue %d webhook deliveries: %w", len(ds), err)
	}
	return nil
}

// deliveriesInsertPG writes any number of rows with one statement whose text never
// changes: each column is one array parameter, so PostgreSQL plans it once per
// connection, and one round trip writes the batch.
const deliveriesInsertPG = `INSERT INTO wagate_webhook_deliveries (id, event_id, session, url, event, hmac_key,
	retry_policy, retry_delay, retry_attempts, headers, body, status, attempts, next_attempt_at,
	last_error, last_code, created_at, updated_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
	$7::text[], $8::int[], $9::int[], $10::text[], $11::text[], $12::text[], $13::int[], $14::bigint[],
	$15::text[], $16::int[], $17::bigint[], $18::bigint[])`

func insertDeliveriesPG(tx *gorm.DB, rows []deliveryRow) error {
	n := len(rows)
	var (
		id, eventID, session, url, event, hmacKey, policy, headers, body, status, lastErr = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		delay, attempts, tries, code                                                      = make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
		next, created, updated                                                            = make([]int64, n), make([]int64, n), make([]int64, n)
	)
	for i, r := range rows {
		id[i], eventID[i], session[i], url[i], event[i], hmacKey[i] = r.ID, r.EventID, r.Session, r.URL, r.Event, r.HMACKey
		policy[i], delay[i], attempts[i], headers[i], body[i], status[i] = r.RetryPolicy, int32(r.RetryDelay), int32(r.RetryAttempts), r.Headers, r.Body, r.Status
		tries[i], next[i], lastErr[i], code[i], created[i], updated[i] = int32(r.Attempts), r.NextAttemptAt, r.LastError, int32(r.LastCode), r.CreatedAt, r.UpdatedAt
	}
	// Through the connection itself: gorm would spread each slice into a list.
	_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, deliveriesInsertPG,
		id, eventID, session, url, event, hmacKey, policy, delay, attempts, headers, body, status,
		tries, next, lastErr, code, created, updated)
	if err != nil {
		return fmt.Errorf("enqueue %d webhook deliveries: %w", n, err)
	}
	return nil
}

// PendingDeliveries returns up to limit pending rows of one lane (session and url),
// oldest first.
func (s *Store) PendingDeliveries(ctx context.Context, session, url string, limit int) ([]Delivery, error) {
	var rows []deliveryRow
	err := s.db.WithContext(ctx).
		Where(statusIs(DeliveryPending)+" AND session = ? AND url = ?", session, url).
		Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load pending deliveries of session %q: %w", session, err)
	}
	return deliveries(rows)
}

// Lane is a session and webhook url with pending deliveries.
type Lane struct {
	Session string
	URL     string `gorm:"column:url"`
	Pending int
}

// PendingLanes counts pending deliveries per session and url.
func (s *Store) PendingLanes(ctx context.Context) ([]Lane, error) {
	var lanes []Lane
	err := s.db.WithContext(ctx).Model(&deliveryRow{}).
		Select("session, url, COUNT(*) AS pending").
		Where(statusIs(DeliveryPending)).
		Group("session, url").Scan(&lanes).Error
	if err != nil {
		return nil, fmt.Errorf("count pending deliveries: %w", err)
	}
	return lanes, nil
}

// MarkDelivered records the successful last attempt of pending deliveries.
func (s *Store) MarkDelivered(ctx context.Context, ids []string, at time.Time) error {
	if s.dialect == Postgres {
		// One statement of one text for any number of rows.
		_, err := s.SQL().ExecContext(ctx, `UPDATE wagate_webhook_deliveries
			SET status = 'delivered', attempts = attempts + 1, last_code = 200, updated_at = $2
			WHERE id = ANY($1::text[]) AND status = 'pending'`, ids, at.UnixMilli())
		if err != nil {
			return fmt.Errorf("mark %d deliveries delivered: %w", len(ids), err)
		}
		return nil
	}
	const chunk = 500
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		err := s.single(ctx).Model(&deliveryRow{}).
			Where("id IN ? AND status = ?", ids[:n], DeliveryPending).
			Updates(map[string]any{
				"status": DeliveryDelivered, "attempts": gorm.Expr("attempts + 1"),
				"last_code": 200, "updated_at": at.UnixMilli(),
			}).Error
		if err != nil {
			return fmt.Errorf("mark %d deliveries delivered: %w", n, err)
		}
		ids = ids[n:]
	}
	return nil
}

// AttemptFailed records a failed attempt of a pending delivery: with a next time it
// stays pending, without one (zero time) it becomes failed.
func (s *Store) AttemptFailed(ctx context.Context, id string, attempts int, next time.Time, lastErr string, code int, at time.Time) error {
	upd := map[string]any{
		"attempts": attempts, "last_error": lastErr, "last_code": code, "updated_at": at.UnixMilli(),
	}
	if next.IsZero() {
		upd["status"] = DeliveryFailed
	} else {
		upd["next_attempt_at"] = next.UnixMilli()
	}
	err := s.single(ctx).Model(&deliveryRow{}).
		Where("id = ? AND status = ?", id, DeliveryPending).Updates(upd).Error
	if err != nil {
		return fmt.Errorf("record failed attempt of delivery %s: %w", id, err)
	}
	return nil
}

// statusIs is the condition status = s with s written out, not a parameter: a
// database uses an index whose predicate names a status (migration v8) only when
// the query says that status itself.
func statusIs(s DeliveryStatus) string {
	switch s {
	case DeliveryPending, DeliveryDelivered, DeliveryFailed:
		return "status = '" + string(s) + "'"
	}
	return "status IS NULL" // no row has another status
}

// single is the database for one statement, which needs no transaction around it.
func (s *Store) single(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Session(&gorm.Session{SkipDefaultTransaction: true})
}

// DeliveryFilter selects deliveries to list; empty fields match everything.
type DeliveryFilter struct {
	Session string
	Status  DeliveryStatus
	Limit   int
	Offset  int
}

// ListDeliveries returns deliveries newest first, without their bodies.
func (s *Store) ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	q := s.db.WithContext(ctx).Model(&deliveryRow{}).Omit("body")
	if f.Session != "" {
		q = q.Where("session = ?", f.Session)
	}
	if f.Status != "" {
		q = q.Where(statusIs(f.Status))
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	if f.Offset > 0 {
		q = q.Offset(f.Offset)
	}
	var rows []deliveryRow
	if err := q.Order(clause.OrderByColumn{Column: clause.Column{Name: "id"}, Desc: true}).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return deliveries(rows)
}

// GetDelivery returns one delivery with its body.
func (s *Store) GetDelivery(ctx context.Context, id string) (Delivery, error) {
	var row deliveryRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Delivery{}, fmt.Errorf("delivery %q: %w", id, ErrDeliveryNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("get delivery %q: %w", id, err)
	}
	return row.delivery()
}

// RequeueDelivery makes a delivery pending again, due now, with a fresh attempt
// budget; it reports whether the row was pending already. The attempt count
// restarts so the retry policy applies in full once more.
func (s *Store) RequeueDelivery(ctx context.Context, id string, now time.Time) (Delivery, bool, error) {
	var (
		d          Delivery
		wasPending bool
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row deliveryRow
		if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("delivery %q: %w", id, ErrDeliveryNotFound)
			}
			return err
		}
		wasPending = row.Status == string(DeliveryPending)
		row.Status, row.Attempts = string(DeliveryPending), 0
		row.NextAttemptAt, row.UpdatedAt = now.UnixMilli(), now.UnixMilli()
		if err := tx.Model(&deliveryRow{}).Where("id = ?", id).Updates(map[string]any{
			"status": row.Status, "attempts": 0, "next_attempt_at": row.NextAttemptAt, "updated_at": row.UpdatedAt,
		}).Error; err != nil {
			return err
		}
		var err error
		d, err = row.delivery()
		return err
	})
	if err != nil {
		if errors.Is(err, ErrDeliveryNotFound) {
			return Delivery{}, false, err
		}
		return Delivery{}, false, fmt.Errorf("requeue delivery %q: %w", id, err)
	}
	return d, wasPending, nil
}

// PruneDeliveries deletes rows of a status whose id is below before: ids start
// with their creation time, so this removes rows created before that time.
func (s *Store) PruneDeliveries(ctx context.Context, status DeliveryStatus, beforeID string) (int64, error) {
	res := s.db.WithContext(ctx).Where(statusIs(status)+" AND id < ?", beforeID).Delete(&deliveryRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune %s deliveries: %w", status, res.Error)
	}
	return res.RowsAffected, nil
}

// Record runs fn in one transaction, giving it the chat store bound to that
// transaction (its own transactions become savepoints), and writes the outbox rows
// fn returns in the same transaction: a change and the deliveries of its events are
// committed together or not at all. An error from fn is returned as it is. fn must
// use only the store it is given: on SQLite's single connection any other database
// call waits for the transaction for ever.
func (s *Store) Record(ctx context.Context, fn func(tx chatstore.Store) ([]Delivery, error)) error {
	return s.RecordFenced(ctx, "", 0, fn)
}

// RecordFenced is Record for a session's run holding its lease under token: the
// transaction first checks the lease still has that token, and refuses the whole
// write with sessions.ErrFenced when another replica took the session over.
// Token 0 writes unfenced.
func (s *Store) RecordFenced(ctx context.Context, session string, token int64, fn func(tx chatstore.Store) ([]Delivery, error)) error {
	var fnErr error
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkFence(tx, s.dialect, session, token); err != nil {
			fnErr = err
			return err
		}
		ds, err := fn(chatStore{s: s, tx: tx})
		if err != nil {
			fnErr = err
			return err
		}
		return s.EnqueueDeliveriesTx(tx, ds)
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("record a change with its events: %w", err)
	}
	return nil
}
