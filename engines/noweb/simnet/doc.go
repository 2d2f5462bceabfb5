// Package simnet is a simulated WhatsApp network on loopback: a server that
// real go.mau.fi/whatsmeow clients connect to as if it were WhatsApp, so
// the NOWEB engine can be tested end to end, and demoed, with no phone and
// no internet.
//
// # What it is
//
// The server speaks whatsmeow's transport (coder/websocket, Noise XX with
// its own certificate chain, whatsmeow's binary node codec) and only routes
// and stores: device registry, prekeys, message fan-out with acks and
// receipts, app-state patches per account and collection, and a media host.
// It never does Signal or app-state crypto. Every account has a phone
// number and a LID; its primary device (device 0) is a [Phone], an ordinary
// whatsmeow client run by simnet, so encryption and app-state encoding are
// real on both ends. Companion devices are gateway sessions. A scripted
// contact is simply another account's phone.
//
// It speaks the binary token dictionary the client's noise header names:
// version 3 (whatsmeow's, current WhatsApp Web's) and 2 (Baileys 6.17.x);
// any other is refused with a websocket close reason that says so. A
// connection's first node goes Options.FirstResponseDelay (default 30 ms)
// after the handshake, as from a real server a round trip away: Baileys
// derives its transport keys asynchronously and loses what comes sooner. At
// login the device gets what was kept for it, then the end of the offline
// queue (<ib><offline count/></ib>), which Baileys waits for before it lets
// its events out. Stock Baileys runs on simnet in the test of package
// simnet/baileys.
//
// As the real server does, simnet keeps every message, receipt and
// notification it routes to a device until that device acks it: a message
// with a receipt (or an <ack>, which whatsmeow sends for one it will not
// handle), the others with an <ack>. Each login of the device gets everything
// it has not acked, in the order it was routed, so a client that failed to
// handle a node, or died before acking it, gets it again at its next login.
// whatsmeow with SynchronousAck acks only after its event handlers returned
// success. [Server.Kept] lists what is held for a device.
//
// Pairing works by QR ([Server.ScanQR] with the string whatsmeow emits in
// events.QR) and by phone code ([Server.EnterPairingCode] with the code
// whatsmeow's PairPhone returned). Right after a new companion logs in for
// the first time, its phone shares the account's app-state key and sends
// an INITIAL_BOOTSTRAP history sync (uploaded encrypted to the media host)
// with every message the phone has seen and the PN→LID mappings and push
// names of the account's contacts.
//
// An account's contacts are the accounts it exchanged a message with or
// looked up the devices of (either way round), and those put in its address
// book ([Server.AddContacts]). As on the real server, only they (and the
// account's own devices) are told when its devices change, and only they are
// in its history sync: a pairing costs the same on a network of ten accounts
// as on one of ten thousand. The phones share one pool of one-time prekey
// pairs (each phone its own ids), so an account costs ~10 ms to create
// instead of the ~60 ms of CPU whatsmeow spends generating 812 of them.
//
// # Go API
//
//	srv, err := simnet.New(simnet.Options{Logger: log})
//	simnet.TrustRootKeyForProcess(srv.RootPublicKey(), log) // test/dev only, process-wide
//	err = srv.Start(ctx, "127.0.0.1:0")
//	defer srv.Close()
//	alice, err := srv.CreateAccount(ctx, "491510000001", "Alice")
//	bob, err := srv.CreateAccount(ctx, "491510000002", "Bob")
//
//	cli := whatsmeow.NewClient(container.NewDevice(), simnet.WALogger(log))
//	simnet.ConfigureClient(cli, srv.Addr())
//	qr, _ := cli.GetQRChannel(ctx); _ = cli.Connect()
//	code := <-qr
//	_, err = srv.ScanQR(ctx, "491510000001", code.Code) // cli then logs in by itself
//
//	id, err := bob.SendText(ctx, "491510000001", "hi")  // contact → session's account
//	err = bob.Edit(ctx, "491510000001", id, "hi!")
//	err = bob.Revoke(ctx, "491510000001", id)
//	err = bob.MarkRead(ctx, "491510000001", "", sessionMsgID)
//	err = alice.Archive(ctx, "491510000002", true)      // phone-side chat actions
//	evt, err := alice.WaitFor(ctx, func(e simnet.Event) bool { return e.Type == "archive" })
//	err = srv.RemoveLinkedDevice("491510000001", device) // phone logs a companion out
//
// # Knobs for tests
//
// Races that the real server allows but rarely shows can be made certain:
//
//   - Receipt before ack: [Server.SetReceiptBeforeAck](phone, true), or
//     [Options.ReceiptBeforeAck] for every account, holds the server ack of
//     each message the account's devices send to another account until that
//     account's first receipt of it (the delivery receipt) has gone to the
//     sending device and that device has acked it. A whatsmeow client with
//     SynchronousAck acks a receipt after its handlers ran, so it has handled
//     the contact's delivery receipt before its SendMessage returns, as when a
//     quick contact's receipt overtakes the server ack. A message to an account
//     with no device online is acked at once. A held ack that no acked receipt
//     releases (the contact is offline, or the sender's handler failed the
//     receipt, which it then gets again at its next login) goes after
//     Options.RequestTimeout.
//   - A broken connection: [Server.DropConnection](phone, device) closes a
//     device's socket (after a stream error 503, as the server does when it
//     restarts); whatsmeow reconnects by itself and gets what it had not acked.
//   - [Server.Kept](phone, device) lists what the server still holds for a
//     device, to wait until a node is settled or to check that one is not.
//
// # Pointing a whatsmeow client at simnet
//
// Two things, both in the process that runs the client:
//
//   - [ConfigureClient](cli, srv.Addr()) sets the websocket, pre-login and
//     media HTTP clients to one that rewrites every URL to
//     http://<addr>. Call it after any SetProxy*, which replaces them.
//   - [TrustRootKeyForProcess](srv.RootPublicKey(), log) replaces
//     whatsmeow.WACertPubKey. It is process-wide: after it, no client in the
//     process can reach the real WhatsApp. Development and tests only,
//     behind an explicit switch; never on a normal serve path. Use
//     [Options.RootPrivateKey] so that several processes (an external
//     `wagate simnet` and gateways) agree on the root; GET /simnet/api/info
//     also returns the public key.
//
// Device stores for tests: store.OpenSQLite (foreign keys, WAL, busy timeout,
// one connection) and sqlstore.NewWithDB(db, "sqlite3", log) then
// container.Upgrade(ctx).
//
// # HTTP control API (JSON)
//
// Served on the same listener as the websocket (/ws/chat) and the media
// host (/mms/…, /simnet-media/…):
//
//	GET  /simnet/api/info                                   {addr, rootPublicKey}
//	GET  /simnet/api/accounts                               [AccountInfo]
//	POST /simnet/api/accounts                               {phone, name, echo} → 201 AccountInfo (409 if it exists)
//	POST /simnet/api/accounts/{phone}/scan                  {qr} → {device}
//	POST /simnet/api/accounts/{phone}/pair-code             {code} → {device}
//	POST /simnet/api/accounts/{phone}/messages              {to, text, media?: {mimetype, filename, data (base64)}} → {id}
//	POST /simnet/api/accounts/{phone}/media                 {to, type: image|video|ptv|audio|ptt|document|sticker, mimetype, filename,
//	                                                        caption, data (base64), seconds, waveform, thumbnail, width, height} → {id}
//	GET  /simnet/api/accounts/{phone}/media/{id}            the decrypted file of a media message the phone received
//	POST /simnet/api/accounts/{phone}/messages/{id}/edit    {to, text}
//	POST /simnet/api/accounts/{phone}/messages/{id}/revoke  {to}
//	POST /simnet/api/accounts/{phone}/read                  {chat, sender, ids}
//	POST /simnet/api/accounts/{phone}/chats/{chat}/{action} action: archive|unarchive|pin|unpin|unread|read|delete|clear
//	POST /simnet/api/accounts/{phone}/echo                  {enabled}
//	POST /simnet/api/accounts/{phone}/locations             {to, latitude, longitude, name, address, url} → {id}
//	POST /simnet/api/accounts/{phone}/contacts              {to, contacts: [{name, vcard}]} → {id}
//	POST /simnet/api/accounts/{phone}/polls                 {to, name, options, multipleAnswers} → {id}
//	POST /simnet/api/accounts/{phone}/messages/{id}/vote    {to, sender, options} → {id} (sender: who sent the poll, "" the chat)
//	POST /simnet/api/accounts/{phone}/messages/{id}/react   {to, sender, reaction} → {id} ("" takes it back)
//	POST /simnet/api/accounts/{phone}/undecryptable         {to, text} → {id} (linked devices get it on their retry)
//	GET  /simnet/api/accounts/{phone}/events[?type=a,b]     [Event] the phone saw; a media message's event has
//	                                                        media {type, mimetype, filename, caption, size, sha256,
//	                                                        seconds, waveform, thumbnail, width, height, url}: the
//	                                                        phone downloaded and decrypted it as it arrived
//	POST /simnet/api/accounts/{phone}/presence              {online}
//	POST /simnet/api/accounts/{phone}/chats/{chat}/state    {state: typing|recording|paused}
//	POST /simnet/api/accounts/{phone}/profile               {name?, about?, picture? (base64 JPEG), deletePicture?}
//	GET  /simnet/api/accounts/{phone}/peers/{peer}          PeerProfile: what the phone sees of peer
//	POST /simnet/api/accounts/{phone}/block                 {chat, blocked}
//	POST /simnet/api/accounts/{phone}/calls                 {to, video} → {id}: a call offer from the phone
//	POST /simnet/api/accounts/{phone}/groups                {subject, participants} → 201 Group (failed: the refused, with error)
//	GET  /simnet/api/accounts/{phone}/groups/{group}        Group, as the server tells the phone
//	POST /simnet/api/accounts/{phone}/groups/{group}/participants  {action: add|remove|promote|demote, participants} → [{jid, error}]
//	POST /simnet/api/accounts/{phone}/groups/{group}/subject       {subject}
//	POST /simnet/api/accounts/{phone}/groups/{group}/announce      {enabled}: only admins send
//	POST /simnet/api/accounts/{phone}/groups/{group}/leave
//	POST /simnet/api/accounts/{phone}/groups/{group}/invite        {reset} → {link}
//	POST /simnet/api/accounts/{phone}/groups/join           {code} (a code or link) → {id}
//	POST /simnet/api/accounts/{phone}/group-add             {policy: all|none}: who may add the account to groups
//
// The media host checks an upload's auth (media_conn's) and that its token is
// the SHA-256 of what was uploaded, keeps it on disk under the data directory,
// and serves it to every downloader until the server closes.
//
// {phone} is the account's number (digits; "+", spaces and JIDs are
// accepted). Chats and recipients are a number or a JID (…@c.us,
// …@s.whatsapp.net, …@lid). Errors are {"error": "..."} with 400, 404
// (unknown account, no pending pairing), 409 or 500/504.
//
// # Protocol notes
//
// Messages are addressed by phone number, as the pinned whatsmeow does
// while no LID migration timestamp is set; simnet always adds the
// alternate address (sender_lid / sender_pn, peer_recipient_*) so both
// ends key their Signal sessions by LID consistently. Every collection is
// seeded with one no-op patch when the account is created, so a
// companion's first fetch leaves it at a version above 0 and later changes
// are not swallowed as a full sync. Every IQ is answered; unknown ones get
// a 501 error so nothing waits for whatsmeow's 75 s timeout.
//
// People: usync answers existence (contact), LIDs, device lists, about
// (status; "Hey there! I am using WhatsApp." until set with a status IQ)
// and picture ids; w:profile:picture gets a user's picture (served at
// /simnet-pp/…) and sets or removes the sender's own (JPEG only, 406
// otherwise). A blocklist IQ lists or changes the sender's blocklist and
// tells the account's other devices (account_sync); a blocked account's
// messages, chat states, presence, picture, about and call offers do not
// reach the blocker (its messages are still acked: one tick). A presence
// stanza sets the account's online state and push name (signed on its later
// messages as notify) and goes to the devices subscribed to it; a
// subscription is answered with the current presence at once. Call stanzas
// (offer, accept, reject, terminate) go to the connected devices of the
// callee, answers also to the sender's other devices, and are acked; a phone
// places a call offer with Phone.Call. Each phone's critical_block starts
// with its push name.
//
// Groups (w:g2): create, metadata (query; 403 for a non-member), participating,
// add/remove/promote/demote answered per participant (404 not on WhatsApp, 403
// the person's group-add privacy forbids it, with an add_request invite, 409
// already in or not in, 401 not an admin), subject and description (locked:
// admins only), locked, announcement, member_add_mode, membership approval,
// invite (get, reset: the old code is 410 gone; get by code; join by code),
// leave, and group pictures (w:profile:picture with the group as target). Every
// change goes to every member's devices as a w:gp2 notification (create for the
// members of a new group), except the device whose IQ made it, which has the
// answer. Groups address members by phone number (addressing_mode pn), each
// participant with its LID, or with Options.LIDGroups by LID (lid), the phone
// number beside it, as WhatsApp's newer groups do. A group message goes to every device of every
// member but the sender's: each gets the pkmsg/msg the sender made for it (the
// sender key distribution) and the skmsg, from the group with the sender as
// participant (participant_lid beside it); a non-member's message, or a
// non-admin's in an announcement group, is refused in the ack (error 403 / 401)
// and goes nowhere. A member's receipt goes to the sender's devices, from the
// group with the reader as participant.
//
// Events (GET …/events) show what the phone decrypted: a message's
// location, cards, poll and options, link card, mentions, forward flag and
// quote; reactions (type reaction, id the message it is on), poll votes
// (poll_vote, decrypted with the poll's secret and named) and stars synced
// from the account's other devices (star).
package simnet
