-- Sample rows for the example Discord ticket bot. Deterministic (fixed
-- timestamps, no random()), so tests can count on them:
--   servers 3, discord_users 12, developers 2, bot_settings 3,
--   ticket_categories 7, ticket_panel_settings 3,
--   tickets 24 (10 open, 4 in_progress, 10 closed), ticket_messages 48,
--   ticket_resolutions 10, ticket_audit_log 38, interaction_locks 3.
-- The bot service adds a ticket and a message about every second.

INSERT INTO servers (guild_id, name, joined_at) VALUES
    ('1100000000000000001', 'HomeLab Hub',     '2025-01-10 12:00+00'),
    ('1100000000000000002', 'Retro Gaming',    '2025-03-02 18:30+00'),
    ('1100000000000000003', 'Stream Friends',  '2025-06-21 08:15+00');

INSERT INTO discord_users (discord_id, username, is_bot, created_at) VALUES
    ('2200000000000000001', 'alice_mod',   false, '2024-12-01 10:00+00'),
    ('2200000000000000002', 'bob_admin',   false, '2024-12-02 10:00+00'),
    ('2200000000000000003', 'carol_dev',   false, '2024-12-03 10:00+00'),
    ('2200000000000000004', 'dave',        false, '2025-01-15 10:00+00'),
    ('2200000000000000005', 'erin',        false, '2025-02-01 10:00+00'),
    ('2200000000000000006', 'frank',       false, '2025-02-14 10:00+00'),
    ('2200000000000000007', 'grace',       false, '2025-03-03 10:00+00'),
    ('2200000000000000008', 'heidi',       false, '2025-04-04 10:00+00'),
    ('2200000000000000009', 'ivan',        false, '2025-05-05 10:00+00'),
    ('2200000000000000010', 'judy',        false, '2025-06-06 10:00+00'),
    ('2200000000000000011', 'mallory',     false, '2025-07-07 10:00+00'),
    ('2200000000000000012', 'TicketBot',   true,  '2024-12-01 09:00+00');

INSERT INTO developers (user_id, access, added_at) VALUES
    (3, 'admin', '2024-12-03 11:00+00'),
    (2, 'read',  '2025-01-01 11:00+00');

INSERT INTO bot_settings (server_id, prefix, log_channel_id, support_role_id, max_open_per_user, auto_close_hours, updated_at) VALUES
    (1, '!', '3300000000000000001', '4400000000000000001', 3, 72,   '2025-10-01 00:00+00'),
    (2, '?', '3300000000000000002', '4400000000000000002', 2, NULL, '2025-10-02 00:00+00'),
    (3, '!', NULL,                  '4400000000000000003', 5, 24,   '2025-10-03 00:00+00');

INSERT INTO ticket_categories (server_id, name, emoji, description, sort_order) VALUES
    (1, 'General Support', '❓', 'Questions about the homelab', 1),
    (1, 'Billing',         '💳', 'Donations and perks',         2),
    (1, 'Bug Report',      '🐛', 'Something is broken',         3),
    (1, 'Partnership',     '🤝', 'Collaborations',              4),
    (2, 'General Support', '❓', 'Anything else',               1),
    (2, 'Bug Report',      '🐛', 'Game server problems',        2),
    (3, 'General Support', '❓', 'Anything else',               1);

INSERT INTO ticket_panel_settings (server_id, channel_id, title, description, color, updated_at) VALUES
    (1, '3300000000000000101', 'HomeLab Support', 'Open a ticket and we will get back to you.', '#5865F2', '2025-10-01 00:00+00'),
    (2, '3300000000000000102', 'Help Desk',       'Pick a category below.',                     '#57F287', '2025-10-02 00:00+00'),
    (3, NULL,                  'Support',         NULL,                                         '#EB459E', '2025-10-03 00:00+00');

-- 24 tickets: 16 on server 1, 6 on server 2, 2 on server 3; per dozen
-- 5 open, 2 in_progress, 5 closed.
INSERT INTO tickets (server_id, category_id, creator_id, assignee_id, channel_id, subject, status, priority, created_at, closed_at)
SELECT s.server_id,
       (SELECT c.id FROM ticket_categories c WHERE c.server_id = s.server_id
         ORDER BY c.id OFFSET g % (SELECT count(*) FROM ticket_categories c2 WHERE c2.server_id = s.server_id) LIMIT 1),
       4 + g % 8,
       CASE WHEN st.status <> 'open' THEN 1 + g % 3 END,
       '55000000000000' || lpad(g::text, 5, '0'),
       'Ticket #' || g || ': ' || (ARRAY['cannot connect', 'role missing', 'bot offline', 'refund request',
                                        'feature idea', 'server lag'])[1 + g % 6],
       st.status,
       (ARRAY['low', 'normal', 'normal', 'high', 'urgent'])[1 + g % 5],
       timestamptz '2025-11-01 09:00+00' + g * interval '7 hours',
       CASE WHEN st.status = 'closed' THEN timestamptz '2025-11-02 09:00+00' + g * interval '7 hours' END
FROM generate_series(1, 24) AS g,
     LATERAL (SELECT CASE WHEN g <= 16 THEN 1 WHEN g <= 22 THEN 2 ELSE 3 END AS server_id) AS s,
     LATERAL (SELECT CASE WHEN g % 12 < 5 THEN 'open' WHEN g % 12 < 7 THEN 'in_progress' ELSE 'closed' END AS status) AS st
ORDER BY g;

-- 1 to 3 messages per ticket (48 in all): the creator opens, staff answer.
INSERT INTO ticket_messages (ticket_id, author_id, content, created_at)
SELECT t.id,
       CASE WHEN n % 2 = 1 THEN t.creator_id ELSE 1 + t.id % 3 END,
       CASE WHEN n = 1 THEN 'Hi, ' || lower(split_part(t.subject, ': ', 2)) || ', can someone help?'
            WHEN n = 2 THEN 'Thanks, looking into it.'
            ELSE 'That fixed it, thank you!' END,
       t.created_at + n * interval '10 minutes'
FROM tickets t, generate_series(1, 3) AS n
WHERE n <= 1 + t.id % 3
ORDER BY t.id, n;

INSERT INTO ticket_resolutions (ticket_id, resolved_by, resolution_type, notes, resolved_at)
SELECT id, assignee_id,
       (ARRAY['solved', 'duplicate', 'no_response'])[1 + id % 3],
       'Closed by staff',
       closed_at
FROM tickets WHERE status = 'closed' ORDER BY id;

-- created for every ticket, claimed for those in progress, closed for closed.
INSERT INTO ticket_audit_log (ticket_id, actor_id, action, details, created_at)
SELECT id, creator_id, 'created', jsonb_build_object('channel_id', channel_id), created_at
FROM tickets ORDER BY id;
INSERT INTO ticket_audit_log (ticket_id, actor_id, action, details, created_at)
SELECT id, assignee_id, 'claimed', '{}', created_at + interval '1 hour'
FROM tickets WHERE status = 'in_progress' ORDER BY id;
INSERT INTO ticket_audit_log (ticket_id, actor_id, action, details, created_at)
SELECT id, assignee_id, 'closed', jsonb_build_object('reason', 'resolved'), closed_at
FROM tickets WHERE status = 'closed' ORDER BY id;

INSERT INTO interaction_locks (interaction_id, user_id, action, locked_at, expires_at) VALUES
    ('6600000000000000001', 4, 'create_ticket', '2025-11-20 10:00+00', '2025-11-20 10:00:30+00'),
    ('6600000000000000002', 5, 'close_ticket',  '2025-11-20 10:01+00', '2025-11-20 10:01:30+00'),
    ('6600000000000000003', 1, 'claim_ticket',  '2025-11-20 10:02+00', '2025-11-20 10:02:30+00');
