package webhooks

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
)

// Sign is WAHA's X-Webhook-Hmac: the lower-case hex HMAC-SHA512 of the raw body.
func Sign(key string, body []byte) string {
	m := hmac.New(sha512.New, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
