import { z } from "zod";

/**
 * A reviewer's decisions about a draft's images. They live on the draft's own stream, so each one
 * is guarded by the draft's revision exactly like attachment is: once the draft is deleted, no
 * decision lands on it.
 */

const ImageRef = z.object({ draftId: z.uuid(), imageId: z.uuid() });

export const ImageApproved = z.object({ type: z.literal("ImageApproved"), data: ImageRef });
export const ImageRejected = z.object({
  type: z.literal("ImageRejected"),
  data: ImageRef.extend({ reason: z.string().trim().max(500).optional() }),
});
/** The primary image is the one the product shows first; choosing it approves it. */
export const PrimaryImageSelected = z.object({ type: z.literal("PrimaryImageSelected"), data: ImageRef });

const MerchantImageRef = ImageRef.extend({ merchantId: z.string().min(1) });
export const ApproveImage = z.object({ type: z.literal("ApproveImage"), data: MerchantImageRef });
export const RejectImage = z.object({
  type: z.literal("RejectImage"),
  data: MerchantImageRef.extend({ reason: z.string().trim().max(500).optional() }),
});
export const SelectPrimaryImage = z.object({ type: z.literal("SelectPrimaryImage"), data: MerchantImageRef });
/** Approves every image of the draft nobody has decided on yet. */
export const ApproveUndecidedImages = z.object({
  type: z.literal("ApproveUndecidedImages"),
  data: z.object({ draftId: z.uuid(), merchantId: z.string().min(1) }),
});

export type ImageDecision = "pending" | "approved" | "rejected";
