// Drives stock Baileys sockets on simnet for a Go test or benchmark
// (runner.go).
//
// Commands come on stdin, one JSON line each: {"id", "op", "args"}; args.sock
// names the socket (several can run in one process). Answers
// ({"type":"result","id","ok","result","error"}) and Baileys' events
// ({"type":"event","sock","name","data"}) go to file descriptor 3, one JSON
// line each. Baileys' logger (pino, JSON lines) writes to stderr; libsignal's
// console.info chatter goes to stdout. Nothing of Baileys is changed: it is
// only configured, as any application configures it, to reach simnet
// instead of WhatsApp (waWebSocketUrl; an https.Agent that connects to
// simnet for the media hosts, like a proxy would).
'use strict'

const fs = require('fs')
const https = require('https')
const net = require('net')
const readline = require('readline')

const env = (k) => {
	const v = process.env[k]
	if (!v) {
		throw new Error(`${k} is not set`)
	}
	return v
}
const SIMNET = env('SIMNET_ADDR') // host:port
const PKG = env('BAILEYS_PKG') // the aliased package: baileys-6.17 | baileys-6.7
const LOG_LEVEL = process.env.LOG_LEVEL || 'info'

const out = fs.createWriteStream(null, { fd: 3 })
const emit = (obj) => out.write(JSON.stringify(obj, replacer) + '\n')

// Buffers as base64, protobuf Longs as numbers.
function replacer(key, value) {
	if (value && value.type === 'Buffer' && Array.isArray(value.data)) {
		return Buffer.from(value.data).toString('base64')
	}
	if (value instanceof Uint8Array) {
		return Buffer.from(value).toString('base64')
	}
	if (value && typeof value === 'object' && typeof value.toNumber === 'function' && 'low' in value) {
		return value.toNumber()
	}
	if (typeof value === 'bigint') {
		return Number(value)
	}
	return value
}

// Every https request Baileys makes (media upload to the media_conn host,
// download from mmg.whatsapp.net) reaches simnet over plain TCP.
const [host, port] = SIMNET.split(':')
class SimnetAgent extends https.Agent {
	createConnection() {
		return net.connect(Number(port), host)
	}
}
const agent = new SimnetAgent({ keepAlive: true })

async function main() {
	const mod = await import(PKG)
	const B = mod.default && typeof mod.default.useMultiFileAuthState === 'function' ? mod.default : mod
	const makeWASocket = typeof B.default === 'function' ? B.default : B.makeWASocket
	const pino = (await import('pino')).default
	const logger = pino({ level: LOG_LEVEL }, pino.destination(2))
	const sockets = new Map() // name → {sock, received}
	const get = (name) => {
		const s = sockets.get(name)
		if (!s) {
			throw new Error(`no socket ${name}`)
		}
		return s
	}
	const connect = async (name, authDir, events) => {
		const { state, saveCreds } = await B.useMultiFileAuthState(authDir)
		const entry = { sock: null, received: new Map() } // received: message id → WAMessage, for download
		sockets.set(name, entry)
		const start = () => {
			const sock = makeWASocket({
				auth: state,
				logger: logger.child({ sock: name }),
				waWebSocketUrl: `ws://${SIMNET}/ws/chat`,
				fetchAgent: agent,
				options: { httpsAgent: agent },
				markOnlineOnConnect: false,
				syncFullHistory: false,
				// The initial history sync is processed (6.17's default; 6.7.24's
				// follows syncFullHistory, which would ask the phone for all of it).
				shouldSyncHistoryMessage: () => true,
			})
			entry.sock = sock
			sock.ev.on('creds.update', saveCreds)
			sock.ev.process(async (evs) => {
				for (const [ev, data] of Object.entries(evs)) {
					if (ev === 'creds.update') {
						continue
					}
					if (ev === 'messages.upsert' && events) {
						for (const m of data.messages) {
							entry.received.set(m.key.id, m)
						}
					}
					if (ev === 'connection.update') {
						const err = data.lastDisconnect?.error
						const code = err?.output?.statusCode
						// 515: the server asks for a new connection after pairing.
						if (data.connection === 'close' && code === 515) {
							start()
						}
						emit({ type: 'event', sock: name, name: ev, data: { ...data, lastDisconnect: err ? { code, message: err.message } : undefined } })
						continue
					}
					if (events) {
						emit({ type: 'event', sock: name, name: ev, data })
					} else if (ev === 'messages.upsert') {
						// The benchmark counts messages: ids only.
						emit({ type: 'event', sock: name, name: ev, data: { type: data.type, ids: data.messages.map((m) => m.key.id) } })
					}
				}
			})
		}
		start()
	}

	const ops = {
		// events false: only connection updates (the benchmark's many sockets).
		start: async ({ sock, authDir, events = true }) => {
			await connect(sock, authDir, events)
			return {}
		},
		requestPairingCode: async ({ sock, phone }) => ({ code: await get(sock).sock.requestPairingCode(phone) }),
		me: async ({ sock }) => get(sock).sock.user,
		sendText: async ({ sock, jid, text }) => (await get(sock).sock.sendMessage(jid, { text })).key,
		// The thumbnail is given: Baileys makes one only with an image library
		// (sharp or jimp), which an application installs, not Baileys.
		sendImage: async ({ sock, jid, data, mimetype, caption, thumbnail }) =>
			(await get(sock).sock.sendMessage(jid, { image: Buffer.from(data, 'base64'), mimetype, caption, jpegThumbnail: thumbnail })).key,
		edit: async ({ sock, jid, key, text }) => (await get(sock).sock.sendMessage(jid, { text, edit: key })).key,
		revoke: async ({ sock, jid, key }) => (await get(sock).sock.sendMessage(jid, { delete: key })).key,
		read: async ({ sock, keys }) => {
			await get(sock).sock.readMessages(keys)
			return {}
		},
		download: async ({ sock, id }) => {
			const s = get(sock)
			const m = s.received.get(id)
			if (!m) {
				throw new Error(`no message ${id} received`)
			}
			const buf = await B.downloadMediaMessage(m, 'buffer', { options: { httpsAgent: agent } }, {
				logger,
				reuploadRequest: s.sock.updateMediaMessage,
			})
			return { data: buf.toString('base64') }
		},
		end: async ({ sock }) => {
			get(sock).sock.end(undefined)
			sockets.delete(sock)
			return {}
		},
		memory: async () => {
			global.gc?.()
			return process.memoryUsage()
		},
	}

	const rl = readline.createInterface({ input: process.stdin })
	rl.on('line', async (line) => {
		let cmd
		try {
			cmd = JSON.parse(line)
		} catch (e) {
			emit({ type: 'result', id: -1, ok: false, error: `bad command line: ${e.message}` })
			return
		}
		try {
			const fn = ops[cmd.op]
			if (!fn) {
				throw new Error(`unknown op ${cmd.op}`)
			}
			emit({ type: 'result', id: cmd.id, ok: true, result: await fn(cmd.args || {}) })
		} catch (e) {
			emit({ type: 'result', id: cmd.id, ok: false, error: String(e && e.stack || e) })
		}
	})
	rl.on('close', () => {
		for (const { sock } of sockets.values()) {
			try {
				sock.end(undefined)
			} catch {}
		}
		out.end(() => process.exit(0))
	})
	emit({ type: 'ready', result: { version: JSON.parse(fs.readFileSync(require('path').join(__dirname, 'node_modules', PKG, 'package.json'))).version } })
}

process.on('unhandledRejection', (e) => emit({ type: 'nodeerror', error: String(e && e.stack || e) }))
process.on('uncaughtException', (e) => emit({ type: 'nodeerror', error: String(e && e.stack || e) }))
main().catch((e) => {
	emit({ type: 'nodeerror', error: String(e && e.stack || e) })
	process.exit(1)
})
