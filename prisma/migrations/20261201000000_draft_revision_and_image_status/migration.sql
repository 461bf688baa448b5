-- ProductImage says what the review decided: pending, approved or rejected (optimized for an
-- optimized variant), and which image is primary. Rows projected before are brought up to date
-- from the review read models, which have recorded the decisions all along.

-- AlterTable
ALTER TABLE "ProductImage" ALTER COLUMN "status" SET DEFAULT 'pending';

UPDATE "ProductImage" SET "status" = CASE WHEN "source" LIKE 'optimized:%' THEN 'optimized' ELSE 'pending' END;

UPDATE "ProductImage" AS image SET "status" = review."decision"
FROM "ImageReviewProductImage" AS review
WHERE review."imageId" = image."id";

UPDATE "ProductImage" AS image SET "isPrimary" = (product."primaryImageId" IS NOT DISTINCT FROM image."id")
FROM "ImageReviewProduct" AS product
WHERE product."draftId" = image."draftId";

-- ProductDraft.revision now follows every event of the draft's stream (it is the draft's ETag);
-- on the database's own log, rows projected before take their stream's revision from it.
UPDATE "ProductDraft" AS draft SET "revision" = log."revision"
FROM (SELECT "stream_name", max("stream_revision") AS "revision" FROM "event_log" WHERE "stream_name" LIKE 'draft-%' GROUP BY "stream_name") AS log
WHERE log."stream_name" = 'draft-' || draft."id";
