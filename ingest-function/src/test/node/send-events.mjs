// Sends an identify and a track with the official Segment Node SDK, unchanged, to the ingest URL given.
// Usage: node send-events.mjs <ingest base URL> <write key> <userId>
import { Analytics } from '@segment/analytics-node'

const [host, writeKey, userId] = process.argv.slice(2)
const analytics = new Analytics({ writeKey, host, flushInterval: 200, maxRetries: 2 })
let failed = false
analytics.on('error', (error) => {
  failed = true
  console.error('delivery failed:', error?.reason ?? error)
})

analytics.identify({ userId, traits: { plan: 'pro' } })
analytics.track({ userId, event: 'sdk_event', properties: { n: 1 } })
await analytics.closeAndFlush({ timeout: 20000 })
process.exit(failed ? 1 : 0)
