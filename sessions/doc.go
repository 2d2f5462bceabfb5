// Package sessions is the runtime that runs one engine per session: the Manager
// creates, starts, stops and restarts engines, keeps and persists each session's
// status, and gives each running engine its Host, through which the engine reports
// statuses and records its changes with their events.
package sessions
