-- Seed profile "lookups": every server has the three standard ticket
-- categories. Idempotent (plain SQL, no psql meta-commands): on the sample
-- data the first run adds 3 rows (Billing on servers 2 and 3, Bug Report on
-- server 3), later runs add none.
INSERT INTO ticket_categories (server_id, name, emoji, description, sort_order)
SELECT s.id, c.name, c.emoji, c.description, c.sort_order
FROM servers s
CROSS JOIN (VALUES
    ('General Support', '❓', 'Anything else',       1),
    ('Billing',         '💳', 'Donations and perks', 2),
    ('Bug Report',      '🐛', 'Something is broken', 3)
) AS c (name, emoji, description, sort_order)
ORDER BY s.id, c.sort_order
ON CONFLICT (server_id, name) DO NOTHING;
