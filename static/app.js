// The dashboard reads the same API as everyone else; the browser already holds the Basic credentials.
const tbody = document.querySelector('#events tbody')
const form = document.getElementById('filter')

function cell (text) {
  const td = document.createElement('td')
  td.textContent = text ?? ''
  return td
}

async function load () {
  const q = new URLSearchParams({ limit: '50' })
  for (const [k, v] of new FormData(form)) if (v) q.set(k, String(v))
  const res = await fetch('/events?' + q, { headers: { accept: 'application/json' } })
  const page = await res.json()
  tbody.replaceChildren(...(page.events ?? []).map((e) => {
    const tr = document.createElement('tr')
    const payload = document.createElement('td')
    const code = document.createElement('code')
    code.textContent = JSON.stringify(e.payload)
    payload.append(code)
    tr.append(cell(new Date(e.receivedAt).toLocaleString()), cell(e.type), cell(e.source), cell(e.severity), payload)
    return tr
  }))
}

form.addEventListener('submit', (ev) => { ev.preventDefault(); load() })
load()
setInterval(load, 5000)
