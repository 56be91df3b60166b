import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { UpdateBanner } from './components/UpdateBanner'
import { registerServiceWorker } from './serviceWorker'
import './styles/base.css'
import './styles/home.css'
import './styles/document.css'
import './styles/editor.css'
import './styles/transfer.css'
import './styles/history.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

createRoot(root).render(
  <StrictMode>
    <App />
    <UpdateBanner />
  </StrictMode>,
)

registerServiceWorker()
