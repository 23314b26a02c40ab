@--
-- PostgreSQL database dump
--

\restrict nWbcMo9T5LxLr1EU9zIrIc4J0DSZYZDoD2poKMGX2O71FcdnEZfOtVL5OGNuVo4

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

ALTER TABLE IF EXISTS ONLY public.words DROP CONSTRAINT IF EXISTS words_pkey;
DROP TABLE IF EXISTS public.words;
DROP TABLE IF EXISTS public.t2;
SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: t2; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.t2 (
    x integer
);


ALTER TABLE public.t2 OWNER TO postgres;

--
-- Name: words; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.words (
    id integer NOT NULL,
    w text
);


ALTER TABLE public.words OWNER TO postgres;

--
-- Data for Name: t2; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.t2 (x) FROM stdin;
\.


--
-- Data for Name: words; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.words (id, w) FROM stdin;
1	hello
2	tab\there
3	\N
\.


--
-- Name: words words_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.words
    ADD CONSTRAINT words_pkey PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

\unrestrict nWbcMo9T5LxLr1EU9zIrIc4J0DSZYZDoD2poKMGX2O71FcdnEZfOtVL5OGNuVo4

