#!/usr/bin/python3
# mail-summary.py — what a received e-mail holds, as one JSON line, with the python3 email module:
#   mail-summary.py MESSAGE_FILE PARTS_DIR
# {"message_id", "to", "subject", "content_type", "structure": nested types, "text": bool, "html": bool,
#  "cids": the cid: references of the HTML, "images": [{"cid", "png", "width", "height", "distinct"}],
#  "pdfs": [{"filename", "path"}]}.  Each image is decoded here (PNG chunks and zlib, no library):
#  "png" says it is a well-formed PNG whose pixel rows have the size its header says, "distinct" how
#  many different byte values its pixel rows hold (1 or 2: a blank image).  PDFs are written to
#  PARTS_DIR for pdftotext.
import email, email.policy, json, os, re, struct, sys, zlib

def png_info(data):
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        return False, 0, 0, 0
    pos, idat, w, h, bpp = 8, b'', 0, 0, 0
    while pos + 8 <= len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(ctype, 0) * max(depth // 8, 1)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    try:
        raw = zlib.decompress(idat)
    except zlib.error:
        return False, w, h, 0
    row = 1 + w * bpp
    if w == 0 or len(raw) != h * row:
        return False, w, h, 0
    values = set()
    for y in range(h):
        values.update(raw[y * row + 1:(y + 1) * row])
        if len(values) > 16:
            break
    return True, w, h, len(values)

def structure(part):
    if part.is_multipart():
        return {part.get_content_type(): [structure(p) for p in part.iter_parts()]}
    return part.get_content_type()

msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
out = {'message_id': msg['Message-ID'], 'to': msg['To'], 'subject': msg['Subject'],
       'content_type': msg.get_content_type(), 'structure': structure(msg),
       'text': False, 'html': False, 'cids': [], 'images': [], 'pdfs': []}
for part in msg.walk():
    t = part.get_content_type()
    if part.is_multipart():
        continue
    if t == 'text/plain' and part.get_content_disposition() != 'attachment':
        out['text'] = bool(part.get_content().strip())
    elif t == 'text/html':
        html = part.get_content()
        out['html'] = '<html' in html.lower() or '<table' in html.lower()
        out['cids'] = sorted(set(re.findall(r'src="cid:([^"]+)"', html)))
    elif t == 'image/png':
        ok, w, h, distinct = png_info(part.get_payload(decode=True))
        out['images'].append({'cid': (part['Content-ID'] or '').strip('<>'), 'png': ok, 'width': w,
                              'height': h, 'distinct': distinct})
    elif t == 'application/pdf':
        path = os.path.join(sys.argv[2], os.path.basename(part.get_filename() or 'unnamed.pdf'))
        with open(path, 'wb') as f:
            f.write(part.get_payload(decode=True))
        out['pdfs'].append({'filename': part.get_filename(), 'path': path})
print(json.dumps(out))
