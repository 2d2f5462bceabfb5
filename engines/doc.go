// Package engines is the contract between the API and the engines that talk to
// WhatsApp: the small core every engine has (Engine: lifecycle, pairing, the
// paired account), one optional interface per group of operations (ChatLister,
// MessageEditor, TextSender, …), found by type assertion and named by the
// capability matrix, and the types they share: chat and message ids as WAHA writes
// them, the unified Chat and Message payloads, statuses, acks and session config.
//
// The runtime that runs engines is package sessions; the store contract of engines
// that keep their own copy of an account is package chatstore.
package engines
