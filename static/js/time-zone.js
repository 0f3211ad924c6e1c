// Keeps the browser's time zone in a cookie, so that pages (the admin's date fields
// included) show and read times in it (mentorship.common.local_time).
'use strict';
{
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // Zone names ("America/New_York", "Etc/GMT+5") need no escaping in a cookie, and
    // Django reads cookies without decoding them.
    const cookie = `time_zone=${zone}`;
    if (zone && /^[A-Za-z0-9_+\/-]+$/.test(zone) && !document.cookie.split('; ').includes(cookie)) {
        const secure = location.protocol === 'https:' ? '; secure' : '';
        document.cookie = `${cookie}; path=/; max-age=31536000; samesite=lax${secure}`;
    }
}
