/**
 * @hocuspocus/server 3.4.4 with its default configuration (in memory), or with
 * @hocuspocus/extension-sqlite on the file given by `--sqlite <path>`; bound to 127.0.0.1 on an
 * ephemeral port. SIGTERM stores and unloads every document, then closes the database, so a
 * restart finds everything (the bench's cold joins depend on it).
 */
import { Server, type Extension } from '@hocuspocus/server'
import { SQLite } from '@hocuspocus/extension-sqlite'

const sqliteFlag = process.argv.indexOf('--sqlite')
const sqlitePath = sqliteFlag >= 0 ? process.argv[sqliteFlag + 1] : undefined
const sqlite = sqlitePath ? new SQLite({ database: sqlitePath }) : undefined
const extensions: Extension[] = sqlite ? [sqlite] : []

const server = new Server({
  port: 0,
  address: '127.0.0.1',
  quiet: true,
  stopOnSignals: false,
  extensions,
})
await server.listen()
console.log(JSON.stringify({ msg: 'hocuspocus listening', port: server.address.port }))

process.on('SIGTERM', () => {
  void (async () => {
    await server.destroy()
    const db = (sqlite as unknown as { db?: { close(cb: () => void): void } } | undefined)?.db
    if (db) db.close(() => process.exit(0))
    else process.exit(0)
  })()
})
