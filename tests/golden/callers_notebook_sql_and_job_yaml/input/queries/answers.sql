-- Nightly answers for the support dashboard
SELECT ticket_id,
       ai_query('support-answers', question) AS answer
FROM main.support.open_tickets;
