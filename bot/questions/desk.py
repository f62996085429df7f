"""Asking the guidance: answers, the questions it could not answer, and feedback."""

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, utcnow
from bot.database import insert_for
from bot.identity import Person
from bot.questions.guidance.answers import (
    Answer,
    Source,
    answer_question,
    answer_topic,
    other_topics,
)
from bot.questions.guidance.retrieval import GuidanceIndex
from bot.questions.models import Feedback, Question

MAX_QUESTION_CHARS = 1000
_STORE_QUESTION = insert(Question.__table__).returning(  # type: ignore[attr-defined]
    Question.__table__.c.id)  # type: ignore[attr-defined]


class QuestionTooLong(ValueError):
    def __init__(self, length: int):
        super().__init__(f"question of {length} characters")
        self.length = length
        self.limit = MAX_QUESTION_CHARS


@dataclass(frozen=True)
class AskedQuestion:
    id: int
    answer: Answer


@dataclass(frozen=True)
class UnhelpfulAnswer:
    question: Question
    votes: int


class QuestionDesk:
    """Answers questions from the guidance and remembers what it could not answer."""

    def __init__(self, index: GuidanceIndex, sessions: async_sessionmaker[AsyncSession], *,
                 clock: Clock = utcnow):
        self.index = index
        self.sessions = sessions
        self.clock = clock

    async def ask(self, person: Person, text: str, *, channel_id: str | None = None
                  ) -> AskedQuestion:
        """Answers and stores the question; raises QuestionTooLong for an essay."""
        text = text.strip()
        if len(text) > MAX_QUESTION_CHARS:
            raise QuestionTooLong(len(text))
        # In a worker thread: retrieval is CPU work, and on the event loop it would hold up
        # every ack and health check while it runs.
        answer = await asyncio.to_thread(answer_question, self.index, text)
        # A Core insert built once: the ORM's add, flush and refresh cost three times the CPU,
        # on every answer.
        async with self.sessions.kw["bind"].begin() as connection:
            question_id = (await connection.execute(_STORE_QUESTION, {
                "platform": person.platform, "workspace_id": person.workspace_id,
                "user_id": person.user_id, "channel_id": channel_id, "text": text,
                "language": answer.language, "answer": answer.quote,
                "confident": answer.confident, "asked_at": self.clock(),
                "sources": [{"document": s.document, "section": s.section}
                            for s in answer.sources]})).scalar_one()
        return AskedQuestion(question_id, answer)

    def topic(self, section_id: str, language: str = "nl") -> Answer | None:
        return answer_topic(self.index, section_id, language)

    def other_topics(self, question: Question) -> tuple[Source, ...]:
        """Where else to look, for an answer someone marked 👎."""
        shown = {(str(s.get("document")), str(s.get("section"))) for s in question.sources}
        return other_topics(self.index, question.text, shown)

    async def record_feedback(self, person: Person, question_id: int, *, helpful: bool,
                              received_ns: int | None = None) -> Question | None:
        """Stores a 👍/👎 (a later vote replaces an earlier one); None for an unknown question.
        One upsert, so two clicks at once never race the UNIQUE constraint: of racing votes,
        the one received last (`received_ns`) stays."""
        received_ns = received_ns if received_ns is not None else time.time_ns()
        async with self.sessions() as session:
            question = await session.get(Question, question_id)
            if question is None or question.workspace_id != person.workspace_id:
                return None
            insert = insert_for(session)(Feedback).values(
                question_id=question_id, platform=person.platform,
                workspace_id=person.workspace_id, user_id=person.user_id, helpful=helpful,
                given_at=self.clock(), received_ns=received_ns)
            await session.exec(insert.on_conflict_do_update(
                index_elements=["question_id", "platform", "workspace_id", "user_id"],
                set_={"helpful": insert.excluded.helpful, "given_at": insert.excluded.given_at,
                      "received_ns": insert.excluded.received_ns},
                where=col(Feedback.received_ns) <= insert.excluded.received_ns))
            await session.commit()
            return question

    async def unanswered(self, *, platform: str, workspace_id: str, limit: int = 10
                         ) -> list[Question]:
        """The most recent questions the guidance had no answer for."""
        async with self.sessions() as session:
            rows = await session.exec(
                select(Question)
                .where(Question.platform == platform, Question.workspace_id == workspace_id,
                       Question.confident == False)  # noqa: E712  (SQL, not Python)
                .order_by(col(Question.asked_at).desc(), col(Question.id).desc())
                .limit(limit)
            )
            return list(rows)

    async def unhelpful(self, *, platform: str, workspace_id: str, limit: int = 10
                        ) -> list[UnhelpfulAnswer]:
        """Answers that got 👎, most recent vote first, with the number of 👎 votes."""
        votes = func.count(col(Feedback.id)).label("votes")
        latest = func.max(Feedback.given_at).label("latest")
        async with self.sessions() as session:
            rows = await session.exec(
                select(Question, votes, latest)
                .join(Feedback, col(Feedback.question_id) == col(Question.id))
                .where(Question.platform == platform, Question.workspace_id == workspace_id,
                       Feedback.helpful == False)  # noqa: E712
                .group_by(col(Question.id))
                .order_by(latest.desc())
                .limit(limit)
            )
            return [UnhelpfulAnswer(question, count) for question, count, _ in rows]
