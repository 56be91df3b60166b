import type { SessionStatus } from '../collab'

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  online: 'Online',
  offline: 'Offline',
  stopped: 'Disconnected',
} as const

const SAVE_TEXT = {
  saved: 'All changes saved',
  saving: 'Saving…',
  local: 'Saved on this device',
  refused: 'Some changes were not saved',
  idle: '',
} as const

/** Connection state in a badge and, beside it, whether the server has every change. */
export function StatusBadge({ status }: { status: SessionStatus }) {
  const { connection, save } = status
  return (
    <div className="status">
      <span
        className={`badge badge-${connection}`}
        role="status"
        data-testid="connection"
        title={
          connection === 'offline'
            ? 'Offline: changes are kept on this device and sent when you reconnect'
            : undefined
        }
      >
        <span className="badge-dot" aria-hidden="true" />
        {CONNECTION_TEXT[connection]}
        {connection === 'offline' && (
          <span className="badge-detail"> — changes are kept on this device</span>
        )}
      </span>
      {status.readOnly && <span className="badge badge-readonly">View only</span>}
      {SAVE_TEXT[save] && !(status.readOnly && save !== 'refused') && (
        <span className="save-state" data-testid="save-state">
          {SAVE_TEXT[save]}
        </span>
      )}
    </div>
  )
}
