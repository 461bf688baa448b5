import { describe, it } from "vitest";
import { DomainRuleViolation, NotFound } from "../../src/errors.ts";
import { optimizationJobDecider, type OptimizationEvent } from "../../src/domain/optimization.ts";
import { deciderSpec } from "../../src/testing/givenWhenThen.ts";

const jobId = "5a000000-0000-4000-8000-000000000001";
const item = (n: number) => ({
  itemId: `5b000000-0000-4000-8000-00000000000${n}`,
  draftId: `5c000000-0000-4000-8000-00000000000${n}`,
  purchaseOrderId: "5d000000-0000-4000-8000-000000000001",
  sourceImageId: `5e000000-0000-4000-8000-00000000000${n}`,
  sourceUrl: `https://img.test/${n}.jpg`,
});
const [one, two] = [item(1), item(2)];
const at = "2026-01-01T00:00:00.000Z";
const created: OptimizationEvent = {
  type: "OptimizationJobCreated",
  data: {
    jobId,
    merchantId: "m1",
    purchaseOrderId: null,
    prompt: "remove the background",
    model: "google/nano-banana",
    items: [one, two],
    at,
  },
};
const ref = (i: typeof one) => ({ jobId, itemId: i.itemId });
const requested = (i: typeof one, attempt = 1): OptimizationEvent => ({ type: "PredictionRequested", data: { ...ref(i), attempt, at } });
const predicted = (i: typeof one, predictionId = `p-${i.itemId}`): OptimizationEvent => ({
  type: "PredictionCreated",
  data: { ...ref(i), predictionId, at },
});
const succeeded = (i: typeof one): OptimizationEvent => ({
  type: "PredictionSucceeded",
  data: {
    ...ref(i),
    draftId: i.draftId,
    purchaseOrderId: i.purchaseOrderId,
    predictionId: `p-${i.itemId}`,
    outputUrl: "https://out.test/1.png",
  },
});
const spec = deciderSpec(optimizationJobDecider);

describe("an image optimization job", () => {
  it("is created once with its items", () => {
    spec.given([]).when({ type: "CreateOptimizationJob", data: created.data }).then([created]);
    spec.given([created]).when({ type: "CreateOptimizationJob", data: created.data }).thenThrows(DomainRuleViolation);
  });

  it("records the intent to create a prediction before the create, once per attempt", () => {
    spec
      .given([created])
      .when({ type: "RequestPrediction", data: { ...ref(one), at } })
      .then([requested(one)]);
    spec
      .given([created, requested(one)])
      .when({ type: "RequestPrediction", data: { ...ref(one), at } })
      .then([]);
  });

  it("takes the prediction id once, and ignores a repeat", () => {
    spec
      .given([created, requested(one)])
      .when({ type: "RecordPredictionCreated", data: { ...ref(one), predictionId: "p1", at } })
      .then([predicted(one, "p1")]);
    spec
      .given([created, requested(one), predicted(one, "p1")])
      .when({ type: "RecordPredictionCreated", data: { ...ref(one), predictionId: "p1", at } })
      .then([]);
  });

  it("puts a refused create back in the queue for a later attempt, or fails the item when no retry is left", () => {
    const refused = { ...ref(one), error: "429", outcomeUnknown: false };
    spec
      .given([created, requested(one)])
      .when({ type: "RecordPredictionRequestFailure", data: { ...refused, retryAt: "2026-01-01T00:00:05.000Z" } })
      .then([{ type: "PredictionRequestFailed", data: { ...refused, attempt: 1, retryAt: "2026-01-01T00:00:05.000Z" } }]);
    spec
      .given([created, requested(one), { type: "PredictionRequestFailed", data: { ...refused, attempt: 1, retryAt: at } }])
      .when({ type: "RequestPrediction", data: { ...ref(one), at } })
      .then([requested(one, 2)]);
    spec
      .given([created, requested(one)])
      .when({ type: "RecordPredictionRequestFailure", data: { ...refused, error: "422 invalid input", retryAt: null } })
      .then([
        { type: "PredictionRequestFailed", data: { ...refused, error: "422 invalid input", attempt: 1, retryAt: null } },
        { type: "OptimizationItemFailed", data: { ...ref(one), reason: "422 invalid input" } },
      ]);
  });

  it("accepts a webhook that beats the create's answer, recording the creation with the result", () => {
    spec
      .given([created, requested(one)])
      .when({
        type: "RecordPredictionOutcome",
        data: { ...ref(one), predictionId: `p-${one.itemId}`, status: "succeeded", outputUrl: "https://out.test/1.png", error: null, at },
      })
      .then([predicted(one), succeeded(one)]);
  });

  it("ignores an outcome for another prediction of the item, and a repeated one", () => {
    const outcome = { ...ref(one), status: "succeeded" as const, outputUrl: "https://out.test/1.png", error: null, at };
    spec
      .given([created, requested(one), predicted(one)])
      .when({ type: "RecordPredictionOutcome", data: { ...outcome, predictionId: "other" } })
      .then([]);
    spec
      .given([created, requested(one), predicted(one), succeeded(one)])
      .when({ type: "RecordPredictionOutcome", data: { ...outcome, predictionId: `p-${one.itemId}` } })
      .then([]);
  });

  it("completes once its last item is finished, with the tally", () => {
    const failedTwo: OptimizationEvent = { type: "OptimizationItemFailed", data: { ...ref(two), reason: "prediction failed: NSFW" } };
    spec
      .given([created, requested(one), predicted(one), succeeded(one), requested(two), predicted(two), failedTwo])
      .when({
        type: "CompleteOptimizationItem",
        data: { ...ref(one), resultImageId: "5f000000-0000-4000-8000-000000000001", url: "https://out.test/1.png" },
      })
      .then([
        {
          type: "OptimizationItemSucceeded",
          data: { ...ref(one), resultImageId: "5f000000-0000-4000-8000-000000000001", url: "https://out.test/1.png" },
        },
        { type: "OptimizationJobCompleted", data: { jobId, succeeded: 1, failed: 1, cancelled: 0 } },
      ]);
  });

  it("cancels every unfinished item with the job; a cancelled item takes no result", () => {
    const cancelled: OptimizationEvent = { type: "OptimizationJobCancelled", data: { jobId, reason: "cancelled by the merchant" } };
    spec
      .given([created, requested(one)])
      .when({ type: "CancelOptimizationJob", data: { jobId, merchantId: "m1", reason: "cancelled by the merchant" } })
      .then([cancelled]);
    spec
      .given([created, requested(one), cancelled])
      .when({ type: "RecordPredictionCreated", data: { ...ref(one), predictionId: "p1", at } })
      .then([]);
    spec
      .given([created, cancelled])
      .when({ type: "RequestPrediction", data: { ...ref(two), at } })
      .then([]);
  });

  it("is another merchant's secret, and cannot be cancelled once finished", () => {
    spec
      .given([created])
      .when({ type: "CancelOptimizationJob", data: { jobId, merchantId: "m2", reason: "x" } })
      .thenThrows(NotFound);
    const cancelOne: OptimizationEvent = { type: "OptimizationItemCancelled", data: { ...ref(one), reason: "draft deleted" } };
    const cancelTwo: OptimizationEvent = { type: "OptimizationItemCancelled", data: { ...ref(two), reason: "draft deleted" } };
    const done: OptimizationEvent = { type: "OptimizationJobCompleted", data: { jobId, succeeded: 0, failed: 0, cancelled: 2 } };
    spec
      .given([created, cancelOne, cancelTwo, done])
      .when({ type: "CancelOptimizationJob", data: { jobId, merchantId: "m1", reason: "x" } })
      .thenThrows(DomainRuleViolation);
  });
});
