// Compiled (never run) by `npm run types`: the shipped index.d.ts must describe the README's usage.
import { WebSocket } from 'ws';
import { BridgeClient, ClosedError, LifeguardClient, type CloseReason, type ServerHello } from '../../src/index.js';

const client = new LifeguardClient({
  urls: ['wss://a.example/ws', 'wss://b.example/ws'],
  sessionId: 'call-42',
  role: 'participant',
  psk: new Uint8Array(32),
  WebSocket,
  getToken: async () => 'token',
});
client.on('joined', ({ peerId, serverHello }) => console.log(peerId, serverHello.heartbeatInterval));
client.on('message', ({ peerId, data }) => console.log(peerId ?? 'unknown', new TextDecoder().decode(data)));
client.on('reconnecting', ({ delayMs }) => console.log(`reconnecting in ${Math.ceil(delayMs / 1000)} s`));
client.on('closed', ({ reason, willReconnect }: { reason: CloseReason; willReconnect: boolean }) => console.log(reason.name, willReconnect));
client.on('gap', ({ missing }) => console.log(missing));
const hello: Promise<ServerHello> = client.connect();
hello.catch((error: unknown) => error instanceof ClosedError && console.log(error.reason.code));
void client.send('hi');
void client.sendControl(new Uint8Array([1]));
void client.close();

const bridge = new BridgeClient({ baseUrl: 'wss://node.example', agentId: 'agent', sessionId: 's', getToken: () => 't', WebSocket });
bridge.on('message', ({ data }) => console.log(data));
bridge.on('closed', ({ reason, retry, status }) => console.log(reason, retry, status));
void bridge.connect().then(() => bridge.send({ hello: 'bridge' }));
