/**
 * The reference y-websocket backend (@y/websocket-server 0.1.1, in memory) on a plain http + ws
 * server, as its own README shows; bound to 127.0.0.1 on an ephemeral port.
 */
import http from 'node:http'
import { WebSocketServer } from 'ws'
import { setupWSConnection } from '@y/websocket-server/utils'

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' })
  res.end('okay')
})
const wss = new WebSocketServer({ noServer: true })
wss.on('connection', setupWSConnection)
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => {
    wss.emit('connection', ws, request)
  })
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  console.log(JSON.stringify({ msg: 'y-websocket-server listening', port }))
})
process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate()
  server.close(() => process.exit(0))
})
