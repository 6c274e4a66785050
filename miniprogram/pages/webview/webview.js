// Opens the H5 app with the one-time ticket in the URL fragment: a fragment is never sent to a server or written
// to its logs; the page exchanges it at POST /api/v1/auth/ticket for its own tokens and drops it from the URL.
const config = require('../../config.js')

Page({
  data: {url: ''},

  onLoad(query) {
    const ticket = query.ticket ? decodeURIComponent(query.ticket) : ''
    this.setData({url: config.SERVER + '/app/' + (ticket ? '#ticket=' + encodeURIComponent(ticket) : '')})
  }
})
